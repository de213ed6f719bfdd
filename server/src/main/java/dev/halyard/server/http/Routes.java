package dev.halyard.server.http;

import dev.halyard.server.errors.ApiException;
import dev.halyard.server.serving.ChatServing;
import dev.halyard.server.serving.CompletionServing;
import dev.halyard.server.serving.EmbeddingServing;
import dev.halyard.server.serving.ModelsServing;
import dev.halyard.server.serving.Reply;
import dev.halyard.server.serving.TokenizeServing;
import io.javalin.Javalin;
import io.javalin.http.HttpResponseException;
import io.javalin.http.MethodNotAllowedResponse;

/** The routes: each one line that hands the request to its serving object. */
public final class Routes {
    private Routes() {}

    /** The serving objects behind the routes. */
    public record Servings(ModelsServing models, ChatServing chat, CompletionServing completions, EmbeddingServing embeddings,
                           TokenizeServing tokenize, byte[] openApi) {}

    public static void register(Javalin app, Http http, Servings s) {
        app.get("/v1/models", ctx -> http.serve(ctx, ex -> s.models().list()));
        app.get("/v1/models/{id}", ctx -> http.serve(ctx, ex -> s.models().get(ctx.pathParam("id"))));
        app.post("/v1/chat/completions", ctx -> http.serve(ctx, ex -> s.chat().create(http.body(ctx), ex)));
        app.post("/v1/completions", ctx -> http.serve(ctx, ex -> s.completions().create(http.body(ctx), ex)));
        app.post("/v1/embeddings", ctx -> http.serve(ctx, ex -> s.embeddings().create(http.body(ctx), ex)));
        app.post("/tokenize", ctx -> http.serve(ctx, ex -> s.tokenize().tokenize(http.body(ctx), ex)));
        app.post("/detokenize", ctx -> http.serve(ctx, ex -> s.tokenize().detokenize(http.body(ctx), ex)));
        app.get("/health", ctx -> http.serve(ctx, ex -> s.models().health()));
        app.get("/metrics", ctx -> http.serve(ctx, ex -> s.models().metrics()));
        app.get("/api/ps", ctx -> http.serve(ctx, ex -> s.models().running()));
        app.get("/openapi.json", ctx -> http.serve(ctx, ex -> new Reply.Text(200, "application/json", new String(s.openApi(), java.nio.charset.StandardCharsets.UTF_8))));

        // unknown routes and methods answer in OpenAI's error shape too
        app.exception(HttpResponseException.class, (e, ctx) -> http.error(ctx, e instanceof MethodNotAllowedResponse
                ? ApiException.methodNotAllowed(ctx.method().name(), ctx.path())
                : e.getStatus() == 404 ? ApiException.noRoute(ctx.method().name(), ctx.path())
                : new ApiException(Math.clamp(e.getStatus(), 400, 599), "invalid_request_error", null, null, e.getMessage(), null)));
        app.exception(Exception.class, (e, ctx) -> http.error(ctx, dev.halyard.server.errors.ErrorMapper.map(e)));
    }
}
