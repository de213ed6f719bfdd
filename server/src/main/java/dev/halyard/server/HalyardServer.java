package dev.halyard.server;

import dev.halyard.server.http.Http;
import dev.halyard.server.http.Json;
import dev.halyard.server.http.Routes;
import dev.halyard.server.metrics.ServerMetrics;
import dev.halyard.server.models.ModelCatalog;
import dev.halyard.server.models.ModelLoader;
import dev.halyard.server.models.ModelManager;
import dev.halyard.server.serving.ChatServing;
import dev.halyard.server.serving.CompletionServing;
import dev.halyard.server.serving.EmbeddingServing;
import dev.halyard.server.serving.ModelsServing;
import dev.halyard.server.serving.TokenizeServing;
import io.javalin.Javalin;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The OpenAI-compatible server: wires the model manager, the serving objects and the routes, and runs
 * Javalin (virtual threads, so a blocked stream costs no platform thread). Close to stop it and unload
 * every model.
 */
public final class HalyardServer implements AutoCloseable {
    private final Javalin app;
    private final ModelManager models;

    private HalyardServer(Javalin app, ModelManager models) {
        this.app = app;
        this.models = models;
    }

    public static HalyardServer start(ServerConfig cfg) {
        return start(cfg, ModelLoader.standard(cfg.models().options()));
    }

    /** Starts with a given loader (tests wrap the standard one). */
    public static HalyardServer start(ServerConfig cfg, ModelLoader loader) {
        ModelManager models = new ModelManager(new ModelCatalog(cfg.modelsDir(), cfg.modelFiles()), cfg.models(), loader);
        ServerMetrics metrics = new ServerMetrics(models::loaded);
        Json json = new Json(cfg.limits());
        Http http = new Http(json, cfg.limits(), cfg.sseKeepAlive(), cfg.apiKey());
        var servings = new Routes.Servings(new ModelsServing(models, metrics), new ChatServing(models, metrics, cfg.limits()),
                new CompletionServing(models, metrics, cfg.limits()), new EmbeddingServing(models, metrics, cfg.limits()),
                new TokenizeServing(models, cfg.limits()), openApi());
        Javalin app = Javalin.create(c -> {
            c.useVirtualThreads = true;
            c.showJavalinBanner = false;
            c.startupWatcherEnabled = false;
            c.http.prefer405over404 = true;
            c.http.disableCompression();
            c.http.maxRequestSize = cfg.limits().maxBodyBytes();
        });
        Routes.register(app, http, servings);
        try {
            app.start(cfg.host(), cfg.port());
        } catch (RuntimeException e) {
            models.close();
            throw e;
        }
        return new HalyardServer(app, models);
    }

    /** The port it listens on (the one picked when 0 was asked for). */
    public int port() {
        return app.port();
    }

    public ModelManager models() {
        return models;
    }

    private static byte[] openApi() {
        try (InputStream in = HalyardServer.class.getResourceAsStream("openapi.json")) {
            if (in == null) throw new IllegalStateException("openapi.json is missing from the server's resources");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        app.stop();
        models.close();
    }
}
