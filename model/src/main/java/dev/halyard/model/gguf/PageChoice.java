package dev.halyard.model.gguf;

/**
 * Which page size each chunk of the weights is read onto, chosen by what each kind has cost so far in
 * this read: 2 MiB pages unless 4 KiB ones measured more than {@link #HUGE_BIAS} times faster per byte.
 *
 * <p>Why measure: where the first touch of memory is cheap (bare metal: a 2 MiB page is zeroed in
 * ~0.1 ms) huge pages cost the read nothing and speed up prompts by 3-5% ({@link HugePages}). On a VM
 * whose host backs guest memory only when it is first touched, a huge page must come from guest memory
 * the host has not backed (or has taken back), and the read slows by an order of magnitude: on this
 * project's VMs Llama-3.2-1B Q4_K_M (762 MiB) read in 5.6-8.0 s onto huge pages against 0.6-0.8 s onto
 * 4 KiB pages (0.3 s on huge pages only right after another process had freed its own), half of a
 * `halyard generate`'s 12-14 s. Which kind is cheaper depends on the machine and on what the guest has
 * freed lately (6 GB of never-used memory touched the other way round: 1.5 s/GiB huge, 6.6 s/GiB 4 KiB),
 * so neither is fixed: the first chunk goes on huge pages, the second on 4 KiB ones, and after that each
 * chunk on the kind whose latest chunk was cheaper, huge pages kept unless 4 KiB ones were more than
 * {@link #HUGE_BIAS} times cheaper (their speed-up of prompts is worth some load time; timing noise
 * within that factor changes nothing). A kind in use is re-timed with every chunk, so a kind that slows
 * down (4 KiB pages once the recently freed memory runs out) hands over to the other when its
 * latest time passes the other's last one. No chunk is spent on exploring.
 *
 * <p>Once read, the chunks that went on 4 KiB pages are advised onto huge pages after all, so that the
 * kernel's khugepaged merges them in the background at its own pace (by default 16 MiB every 10 s:
 * Llama-3.2-1B's weights within ~8 minutes) instead of the read paying for it up front.
 *
 * <p>Pure bookkeeping (no clock, no memory): the reader times its chunks and reports them here.
 */
class PageChoice { // not final: a test chooses its own sequence
    /** 4 KiB pages are chosen only when they read more than this many times faster per byte than huge ones. */
    static final double HUGE_BIAS = 2.0;

    /**
     * The choice {@code -Dhalyard.hugepages} asks for: {@code always}, every chunk on huge pages whatever
     * they cost (a server that wants their speed from its first request on); otherwise ({@code true} or
     * {@code auto}, the default) measured as above. ({@code false}: no huge pages at all, {@link HugePages#available}.)
     */
    static PageChoice configured() {
        if (!"always".equals(System.getProperty("halyard.hugepages"))) return new PageChoice();
        return new PageChoice() {
            @Override
            boolean nextHuge() {
                return true;
            }
        };
    }

    private double hugeNsPerByte = Double.NaN, smallNsPerByte = Double.NaN;
    private long hugeBytes, smallBytes;

    /** Whether the next chunk should go on huge pages. */
    boolean nextHuge() {
        if (Double.isNaN(hugeNsPerByte)) return true;
        if (Double.isNaN(smallNsPerByte)) return false;
        return !(smallNsPerByte * HUGE_BIAS < hugeNsPerByte);
    }

    /** A chunk of {@code bytes} read onto huge pages (or not) took {@code nanos}. */
    void record(boolean huge, long bytes, long nanos) {
        if (bytes <= 0) return;
        double rate = Math.max(nanos, 0) / (double) bytes;
        if (huge) {
            hugeNsPerByte = rate;
            hugeBytes += bytes;
        } else {
            smallNsPerByte = rate;
            smallBytes += bytes;
        }
    }

    /** Bytes read onto huge pages so far. */
    long hugeBytes() {
        return hugeBytes;
    }

    /** Bytes read onto 4 KiB pages so far. */
    long smallBytes() {
        return smallBytes;
    }
}
