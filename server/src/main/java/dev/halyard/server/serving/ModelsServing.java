package dev.halyard.server.serving;

import dev.halyard.runtime.engine.EngineStats;
import dev.halyard.server.errors.ApiException;
import dev.halyard.server.metrics.ServerMetrics;
import dev.halyard.server.models.LoadedModel;
import dev.halyard.server.models.ModelInfo;
import dev.halyard.server.models.ModelManager;
import dev.halyard.server.openai.ModelWire;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** {@code GET /v1/models}, {@code /v1/models/{id}}, {@code /api/ps}, {@code /health} and {@code /metrics}. */
public final class ModelsServing {
    private final ModelManager models;
    private final ServerMetrics metrics;

    public ModelsServing(ModelManager models, ServerMetrics metrics) {
        this.models = models;
        this.metrics = metrics;
    }

    public Reply list() {
        return Reply.Json.ok(new ModelWire.ModelList(models.available().stream().map(ModelsServing::card).toList()));
    }

    public Reply get(String id) {
        return Reply.Json.ok(card(models.catalog().find(id).orElseThrow(() -> ApiException.modelNotFound(id))));
    }

    /** The loaded models with their memory, expiry and KV usage (for {@code halyard ps}). */
    public Reply running() {
        List<ModelWire.RunningModel> out = new ArrayList<>();
        for (LoadedModel m : models.loaded()) {
            EngineStats s = m.engine().stats();
            Instant expires = models.expiresAt(m);
            out.add(new ModelWire.RunningModel(m.id(), m.info().path().toString(), m.plan().totalBytes(), m.loadedAt().toString(),
                    expires == null ? null : expires.toString(), m.contextLength(), s.running(), s.waiting(), s.kvBlocksUsed(), s.kvBlocksTotal(),
                    s.kvBlocksTotal() == 0 ? 0 : (double) s.kvBlocksUsed() / s.kvBlocksTotal()));
        }
        return Reply.Json.ok(new ModelWire.Running(out));
    }

    /** 200 when every requested model is ready, 503 while one loads. */
    public Reply health() {
        List<String> loading = models.loading();
        return new Reply.Json(loading.isEmpty() ? 200 : 503, new ModelWire.Health(loading.isEmpty() ? "ok" : "loading", loading));
    }

    public Reply metrics() {
        return new Reply.Text(200, ServerMetrics.contentType(), metrics.scrape());
    }

    private static ModelWire.ModelCard card(ModelInfo m) {
        return new ModelWire.ModelCard(m.id(), m.modified().getEpochSecond());
    }
}
