package dev.halyard.model.arch;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.halyard.kernels.GgmlType;
import dev.halyard.kernels.ScalarKernels;
import dev.halyard.kernels.VectorKernels;
import dev.halyard.model.gguf.GgufFile;
import dev.halyard.model.gguf.GgufValue;
import dev.halyard.model.gguf.GgufWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The load-time kernel warm-up runs every tiled format's paths without failing, and stops when told. */
class KernelWarmUpTest {

    private static Path matrices(Path dir) throws Exception {
        GgufWriter w = new GgufWriter().put("general.architecture", GgufValue.string("llama"));
        // every tiled format, whole rows and slice-major (8192 columns), and a norm vector and an F32 matrix it skips
        GgmlType[] types = {GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q5_0, GgmlType.Q4_K, GgmlType.Q6_K};
        int i = 0;
        for (GgmlType t : types)
            for (int cols : new int[] {256, 8192})
                w.tensor("m" + i++, new long[] {cols, 4}, t, new byte[(int) t.byteSize(4L * cols)]);
        w.tensor("norm", new long[] {256}, GgmlType.F32, new byte[1024]);
        w.tensor("f32", new long[] {256, 4}, GgmlType.F32, new byte[4096]);
        Path p = dir.resolve("m.gguf");
        w.write(p);
        return p;
    }

    @Test
    void runs_the_products_of_every_tiled_format_until_closed(@TempDir Path dir) throws Exception {
        GgufFile gguf = GgufFile.read(matrices(dir));
        KernelWarmUp warmUp = KernelWarmUp.start(gguf, new VectorKernels(), GgufFile.LoadMode.READ);
        assertNotNull(warmUp);
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (warmUp.products() < 200 && warmUp.running() && System.nanoTime() < deadline) Thread.sleep(10);
        warmUp.close();
        assertNull(warmUp.failure(), () -> "the warm-up failed: " + warmUp.failure());
        assertTrue(warmUp.products() >= 200, "products run: " + warmUp.products());
        assertFalse(warmUp.running(), "close() joins the thread");
        int after = warmUp.products();
        Thread.sleep(50);
        assertTrue(warmUp.products() == after, "no product after close()");
    }

    @Test
    void nothing_to_warm_for_a_memory_map_or_the_scalar_kernels(@TempDir Path dir) throws Exception {
        GgufFile gguf = GgufFile.read(matrices(dir));
        assertNull(KernelWarmUp.start(gguf, new VectorKernels(), GgufFile.LoadMode.MMAP));
        assertNull(KernelWarmUp.start(gguf, new ScalarKernels(), GgufFile.LoadMode.READ));
    }
}
