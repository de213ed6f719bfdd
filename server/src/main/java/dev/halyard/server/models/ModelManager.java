package dev.halyard.server.models;

import dev.halyard.model.arch.ModelConfig;
import dev.halyard.model.arch.UnsupportedModelException;
import dev.halyard.model.gguf.GgufFile;
import dev.halyard.model.gguf.GgufTensorInfo;
import dev.halyard.server.errors.ApiException;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Which models are in memory. A model loads on first use, in the background: the request waits up to
 * {@code loadWait}, then gets 503 with Retry-After. At most {@code maxLoaded} models are loaded (or
 * loading) at once; to make room, the least recently used idle model is unloaded. A model idle for
 * {@code keepAlive} is unloaded. A model in use (leased) is never unloaded. Before loading, a
 * {@link MemoryPlan} checks that the weights, KV pool and working memory fit what is left.
 */
public final class ModelManager implements AutoCloseable {
    private static final Logger LOG = System.getLogger("halyard.server");

    private final ModelCatalog catalog;
    private final ModelSettings settings;
    private final ModelLoader loader;
    private final Map<String, Slot> slots = new HashMap<>(); // guarded by this
    private final ExecutorService loads = Executors.newVirtualThreadPerTaskExecutor();
    private final ScheduledExecutorService reaper;
    private boolean closed;

    /** One model id's state: loading (future set), ready (model set), or neither. */
    private static final class Slot {
        ModelInfo info;
        CompletableFuture<LoadedModel> loading;
        LoadedModel ready;
        long reservedBytes;   // memory a load in progress has claimed
        int leases;           // requests using the model now
        long lastUsed;        // System.nanoTime() of the last release (or load)
        Instant lastUsedWall = Instant.now();
    }

    public ModelManager(ModelCatalog catalog, ModelSettings settings, ModelLoader loader) {
        this.catalog = catalog;
        this.settings = settings;
        this.loader = loader;
        this.reaper = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().name("halyard-keep-alive").daemon(true).unstarted(r));
        long period = settings.keepAlive() == null ? 1000 : Math.clamp(settings.keepAlive().toMillis() / 4, 50, 1000);
        reaper.scheduleWithFixedDelay(this::unloadExpired, period, period, TimeUnit.MILLISECONDS);
    }

    public ModelSettings settings() { return settings; }
    public ModelCatalog catalog() { return catalog; }

    /** Every model that can be served. */
    public List<ModelInfo> available() {
        return catalog.list();
    }

    /** A model by id; {@code null} means "the only one", when exactly one exists. 404 otherwise. */
    public ModelInfo resolve(String id) {
        if (id == null) {
            List<ModelInfo> all = catalog.list();
            if (all.size() == 1) return all.getFirst();
            throw ApiException.missing("model");
        }
        String key = id.endsWith(".gguf") ? id.substring(0, id.length() - 5) : id;
        return catalog.find(key).orElseThrow(() -> ApiException.modelNotFound(id));
    }

    /** A loaded model to use until the lease closes; 404, 503 (loading, or every slot busy) or 507. */
    public Lease acquire(String id) {
        ModelInfo info = resolve(id);
        long deadline = System.nanoTime() + settings.loadWait().toNanos();
        while (true) {
            CompletableFuture<LoadedModel> pending;
            List<LoadedModel> evicted = new ArrayList<>();
            synchronized (this) {
                if (closed) throw ApiException.unavailable("shutting_down", "the server is shutting down", Duration.ofSeconds(5));
                Slot s = slots.computeIfAbsent(info.id(), k -> new Slot());
                s.info = info;
                if (s.ready != null) {
                    s.leases++;
                    return new Lease(s, s.ready);
                }
                if (s.loading == null) {
                    makeRoom(s, evicted);
                    s.loading = startLoad(s);
                }
                pending = s.loading;
            }
            evicted.forEach(this::unload);
            long wait = deadline - System.nanoTime();
            try {
                if (wait <= 0) throw new TimeoutException();
                pending.get(wait, TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                throw ApiException.unavailable("model_loading", "model '" + info.id() + "' is loading; retry shortly", Duration.ofSeconds(2));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw ApiException.unavailable("model_loading", "interrupted while model '" + info.id() + "' loads", Duration.ofSeconds(2));
            } catch (ExecutionException e) {
                throw loadFailure(info, e.getCause());
            }
        }
    }

    /** The models in memory, most recently loaded last. */
    public synchronized List<LoadedModel> loaded() {
        List<LoadedModel> out = new ArrayList<>();
        for (Slot s : slots.values()) if (s.ready != null) out.add(s.ready);
        out.sort(Comparator.comparing(LoadedModel::loadedAt));
        return out;
    }

    /** Ids of models being loaded now. */
    public synchronized List<String> loading() {
        List<String> out = new ArrayList<>();
        for (var e : slots.entrySet()) if (e.getValue().loading != null) out.add(e.getKey());
        out.sort(null);
        return out;
    }

    /** When {@code m} unloads if it stays idle (in use: a keep-alive from now); null when it never does. */
    public synchronized Instant expiresAt(LoadedModel m) {
        Slot s = slots.get(m.id());
        if (s == null || settings.keepAlive() == null) return null;
        return (s.leases > 0 ? Instant.now() : s.lastUsedWall).plus(settings.keepAlive());
    }

    /** A model in use: close to hand it back (exactly once). */
    public final class Lease implements AutoCloseable {
        private final Slot slot;
        private final LoadedModel model;
        private boolean released;

        private Lease(Slot slot, LoadedModel model) {
            this.slot = slot;
            this.model = model;
        }

        public LoadedModel model() {
            return model;
        }

        @Override
        public void close() {
            LoadedModel drop = null;
            synchronized (ModelManager.this) {
                if (released) return;
                released = true;
                slot.leases--;
                touch(slot);
                if (slot.leases == 0 && Duration.ZERO.equals(settings.keepAlive()) && slot.ready == model) {
                    slot.ready = null;
                    drop = model;
                }
            }
            if (drop != null) unload(drop);
        }
    }

    // ---------------------------------------------------------------- loading and unloading

    /** Unloads idle models, least recently used first, until {@code s} fits under maxLoaded (caller holds the lock). */
    private void makeRoom(Slot s, List<LoadedModel> evicted) {
        while (true) {
            int inMemory = 0;
            Slot lru = null;
            for (Slot o : slots.values()) {
                if (o == s || (o.ready == null && o.loading == null)) continue;
                inMemory++;
                if (o.ready != null && o.leases == 0 && (lru == null || o.lastUsed < lru.lastUsed)) lru = o;
            }
            if (inMemory < settings.maxLoaded()) return;
            if (lru == null)
                throw ApiException.unavailable("models_busy", "all " + settings.maxLoaded() + " model slots are in use (--max-loaded); retry shortly",
                        Duration.ofSeconds(2));
            evicted.add(lru.ready);
            lru.ready = null;
        }
    }

    private CompletableFuture<LoadedModel> startLoad(Slot s) {
        CompletableFuture<LoadedModel> f = new CompletableFuture<>();
        ModelInfo info = s.info;
        loads.execute(() -> {
            try {
                LoadedModel m = load(s, info);
                boolean keep;
                synchronized (this) {
                    s.loading = null;
                    s.reservedBytes = 0;
                    keep = !closed;
                    if (keep) {
                        s.ready = m;
                        touch(s);
                    }
                }
                if (!keep) m.close();
                f.complete(m);
            } catch (Throwable e) {
                synchronized (this) {
                    s.loading = null;
                    s.reservedBytes = 0;
                }
                LOG.log(Level.WARNING, "loading model '" + info.id() + "' failed: " + e);
                f.completeExceptionally(e);
            }
        });
        return f;
    }

    private LoadedModel load(Slot s, ModelInfo info) throws IOException {
        long t0 = System.nanoTime();
        GgufFile gguf = GgufFile.read(info.path());
        GgufTensorInfo emb = gguf.tensor("token_embd.weight");
        if (emb == null || emb.ne().length < 2 || emb.ne()[1] > Integer.MAX_VALUE)
            throw new UnsupportedModelException("'" + info.path() + "' has no usable token_embd.weight tensor: it cannot generate");
        ModelConfig config = ModelConfig.fromGguf(gguf, (int) emb.ne()[1]);
        boolean mmap = settings.options().loadMode() == GgufFile.LoadMode.MMAP;
        MemoryPlan plan;
        synchronized (this) {
            long promised = 0; // memory other models hold or have claimed
            for (Slot o : slots.values()) if (o != s) promised += o.ready != null ? o.ready.plan().totalBytes() : o.reservedBytes;
            long heap, nat;
            if (settings.memoryLimit() > 0) {
                heap = nat = settings.memoryLimit() - promised;
            } else {
                long heapPromised = 0, kvPromised = 0; // KV pools grow on use: count what they may still take
                for (Slot o : slots.values()) {
                    if (o == s || o.ready == null) continue;
                    heapPromised += o.ready.plan().heapBytes();
                    kvPromised += o.ready.plan().kvBytes();
                }
                heap = MemoryProbe.heapForModels() - heapPromised;
                nat = MemoryProbe.nativeAvailable() - kvPromised;
            }
            plan = MemoryPlan.of(info.id(), gguf, config, settings, mmap, heap, nat);
            if (settings.memoryLimit() > 0 && plan.totalBytes() > settings.memoryLimit() - promised)
                throw ApiException.insufficientMemory("model '" + info.id() + "' needs " + (plan.totalBytes() >> 20) + " MiB, but only "
                        + (Math.max(0, settings.memoryLimit() - promised) >> 20) + " MiB of the memory limit is left");
            s.reservedBytes = plan.totalBytes();
        }
        LoadedModel m = loader.load(info, gguf, plan);
        LOG.log(Level.INFO, String.format("loaded model %s (%d MiB weights, %d KV blocks, context %d, chat format %s) in %d ms",
                info.id(), plan.weightBytes() >> 20, plan.engine().kvBlocks(), plan.engine().contextLength(), m.chatTemplate().name(),
                (System.nanoTime() - t0) / 1_000_000));
        return m;
    }

    private static ApiException loadFailure(ModelInfo info, Throwable cause) {
        if (cause instanceof ApiException a) return a;
        if (cause instanceof OutOfMemoryError)
            return ApiException.insufficientMemory("model '" + info.id() + "' does not fit in memory (raise -Xmx, lower --ctx-size or --max-loaded)");
        return ApiException.internal("model_load_failed", "model '" + info.id() + "' failed to load: " + cause.getMessage());
    }

    private void unloadExpired() {
        Duration keep = settings.keepAlive();
        if (keep == null) return;
        List<LoadedModel> drop = new ArrayList<>();
        synchronized (this) {
            long now = System.nanoTime();
            for (Slot s : slots.values()) {
                if (s.ready != null && s.leases == 0 && now - s.lastUsed >= keep.toNanos()) {
                    drop.add(s.ready);
                    s.ready = null;
                }
            }
        }
        drop.forEach(this::unload);
    }

    private void unload(LoadedModel m) {
        try {
            m.close();
            LOG.log(Level.INFO, "unloaded model " + m.id());
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "unloading model " + m.id() + " failed: " + e);
        }
    }

    private static void touch(Slot s) {
        s.lastUsed = System.nanoTime();
        s.lastUsedWall = Instant.now();
    }

    /** Unloads every model (in-flight requests are aborted). */
    @Override
    public void close() {
        List<LoadedModel> drop = new ArrayList<>();
        synchronized (this) {
            closed = true;
            for (Slot s : slots.values()) {
                if (s.ready != null) drop.add(s.ready);
                s.ready = null;
            }
        }
        reaper.shutdownNow();
        loads.shutdown();
        drop.forEach(this::unload);
    }
}
