package dev.halyard.server;

import dev.halyard.server.models.ModelSettings;
import dev.halyard.server.openai.Limits;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Everything {@code halyard serve} is told.
 *
 * @param host address to bind (loopback unless told otherwise)
 * @param port TCP port; 0 picks a free one
 * @param modelsDir directory whose {@code *.gguf} files are served, or null
 * @param modelFiles more GGUF files to serve
 * @param apiKey when set, requests must send {@code Authorization: Bearer <key>} (not /health)
 * @param sseKeepAlive silence after which a stream sends a keep-alive comment
 */
public record ServerConfig(String host, int port, Path modelsDir, List<Path> modelFiles, ModelSettings models, Limits limits,
                           String apiKey, Duration sseKeepAlive) {
    public ServerConfig {
        if (host == null || host.isBlank()) throw new IllegalArgumentException("host must not be blank");
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be in [0, 65535], got " + port);
        modelFiles = List.copyOf(modelFiles);
        if (models == null || limits == null) throw new IllegalArgumentException("models and limits must not be null");
        if (sseKeepAlive == null || sseKeepAlive.isNegative() || sseKeepAlive.isZero())
            throw new IllegalArgumentException("sseKeepAlive must be > 0, got " + sseKeepAlive);
    }

    /** Loopback, port 8080, default model settings and limits, no API key, keep-alive every 15 s. */
    public static ServerConfig of(Path modelsDir, List<Path> modelFiles) {
        return new ServerConfig("127.0.0.1", 8080, modelsDir, modelFiles, ModelSettings.defaults(), Limits.defaults(), null, Duration.ofSeconds(15));
    }

    public ServerConfig withHost(String h) { return new ServerConfig(h, port, modelsDir, modelFiles, models, limits, apiKey, sseKeepAlive); }
    public ServerConfig withPort(int p) { return new ServerConfig(host, p, modelsDir, modelFiles, models, limits, apiKey, sseKeepAlive); }
    public ServerConfig withModels(ModelSettings m) { return new ServerConfig(host, port, modelsDir, modelFiles, m, limits, apiKey, sseKeepAlive); }
    public ServerConfig withLimits(Limits l) { return new ServerConfig(host, port, modelsDir, modelFiles, models, l, apiKey, sseKeepAlive); }
    public ServerConfig withApiKey(String k) { return new ServerConfig(host, port, modelsDir, modelFiles, models, limits, k, sseKeepAlive); }
}
