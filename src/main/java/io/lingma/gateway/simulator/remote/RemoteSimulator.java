package io.lingma.gateway.simulator.remote;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The built-in simulator of Lingma's remote HTTP API (lingma-remote.md §11): a Vert.x HTTP server on loopback that
 * serves {@code GET /algo/api/v2/model/list} and {@code POST /algo/api/v2/service/pro/sse/agent_chat_generation},
 * verifies COSY signatures and headers against registered {@link RemoteSimulatorAccount}s (§11.2), streams SSE
 * frames in the documented envelope, one write per frame (§7, §11.4), and injects {@link RemoteFault}s per model
 * key (§11.5). Frame delays use Vert.x timers; the event loop never blocks.
 *
 * <p>This class is the lifecycle and the test-facing controls. A Vert.x {@code Router} ({@code RemoteRoutes})
 * dispatches to {@code ModelListEndpoint} and {@code ChatEndpoint}; {@code CosyVerifier}, {@code Encode1Body},
 * {@code CatalogueKeys} and {@code PluginCache} are the simulator's own wire code, independent of the gateway's;
 * {@code SseFrames} builds and {@code SsePlayer} writes the stream.
 *
 * <p>It never passes for the real service: every catalogue model carries {@code "simulator":true} and the default
 * reply starts with "Hello from the Lingma remote simulator".
 *
 * <p>Thread-safety: all methods may be called from any thread; {@link #start()} and {@link #stop()} block up to
 * 10 s and must not run on an event loop. The {@link Vertx} instance belongs to the caller.
 */
public final class RemoteSimulator implements AutoCloseable {

    /** The §11.3 default catalogue, marked as simulator models. */
    public static final String DEFAULT_MODEL_LIST = "{\"chat\":["
            + "{\"key\":\"kmodel\",\"display_name\":\"Kimi-K2.6\",\"model\":\"kmodel\",\"enable\":true,\"format\":"
            + "\"openai\",\"source\":\"system\",\"is_vl\":true,\"is_reasoning\":false,\"max_input_tokens\":262144,"
            + "\"simulator\":true},"
            + "{\"key\":\"mmodel\",\"display_name\":\"MiniMax-M2.7\",\"model\":\"mmodel\",\"enable\":true,"
            + "\"simulator\":true},"
            + "{\"key\":\"dashscope_qwen3_coder\",\"display_name\":\"Qwen3-Coder\",\"enable\":true,\"simulator\":true},"
            + "{\"key\":\"dashscope_qmodel\",\"display_name\":\"Qwen3.6-Plus\",\"enable\":true,\"simulator\":true},"
            + "{\"key\":\"dashscope_qwen_max_latest\",\"display_name\":\"Qwen3-Max\",\"enable\":true,"
            + "\"simulator\":true},"
            + "{\"key\":\"dashscope_qwen_plus_20250428_thinking\",\"display_name\":\"Qwen3-Thinking\",\"enable\":true,"
            + "\"is_reasoning\":true,\"simulator\":true},"
            + "{\"key\":\"org_auto\",\"display_name\":\"Auto\",\"enable\":true,\"simulator\":true}],"
            + "\"inline\":[],\"developer\":[],\"assistant\":[]}";

    private static final Logger LOG = LoggerFactory.getLogger(RemoteSimulator.class);
    private static final long BLOCKING_TIMEOUT_SECONDS = 10;

    private final RemoteSimulatorState state;
    private volatile HttpServer server;
    private volatile int port = -1;

    /**
     * Creates a stopped simulator with the {@link RemoteSimulatorAccount#demo()} account registered.
     *
     * @param vertx   the Vert.x instance to run on (not closed here)
     * @param options configuration ({@link RemoteSimulatorOptions#defaults()})
     */
    public RemoteSimulator(Vertx vertx, RemoteSimulatorOptions options) {
        this.state = new RemoteSimulatorState(vertx, options);
        registerAccount(RemoteSimulatorAccount.demo());
    }

    /**
     * Starts listening. Does nothing if running.
     *
     * @throws IllegalStateException on an event loop, or when the server does not listen within 10 s
     */
    public synchronized void start() {
        if (server != null) {
            return;
        }
        if (Context.isOnEventLoopThread()) {
            throw new IllegalStateException("RemoteSimulator.start() blocks and must not run on a Vert.x event loop");
        }
        RemoteSimulatorOptions options = state.options;
        HttpServer created = state.vertx.createHttpServer(new HttpServerOptions().setHost(options.host()))
                .requestHandler(RemoteRoutes.router(state));
        port = await(created.listen(options.port(), options.host()), "listen").actualPort();
        server = created;
        LOG.info("Lingma remote API SIMULATOR (not the real Lingma service) listening on {}", baseUrl());
    }

    /** @return the listening port, -1 when stopped */
    public int port() {
        return port;
    }

    /** @return {@code http://127.0.0.1:<port>} (the value for {@code gateway.remote.base-url}) */
    public String baseUrl() {
        return "http://" + state.options.host() + ":" + port;
    }

    /** Closes the listener and its connections. Idempotent; does not wait on an event loop. */
    public synchronized void stop() {
        HttpServer running = server;
        server = null;
        port = -1;
        if (running != null) {
            if (Context.isOnEventLoopThread()) {
                running.close();
            } else {
                await(running.close(), "close");
            }
            LOG.info("Lingma remote API SIMULATOR stopped");
        }
    }

    /** Same as {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }

    /** @return every request received, oldest first (snapshot) */
    public List<RecordedRemoteRequest> requests() {
        return List.copyOf(state.recorded);
    }

    /** @return the counters */
    public RemoteSimulatorStats stats() {
        return state.stats();
    }

    /**
     * Registers (or replaces, by {@code encrypt_user_info}) an account; e.g. {@code withExpired(true)} marks it
     * expired at run time.
     *
     * @param account the account
     */
    public void registerAccount(RemoteSimulatorAccount account) {
        state.accountsByInfo.values().removeIf(a -> a.uid().equals(account.uid()));
        state.accountsByInfo.put(account.encryptUserInfo(), account);
    }

    /** @return the current version of the built-in demo account */
    public RemoteSimulatorAccount defaultAccount() {
        RemoteSimulatorAccount demo = RemoteSimulatorAccount.demo();
        return state.accountsByInfo.getOrDefault(demo.encryptUserInfo(), demo);
    }

    /**
     * @param modelKey the model key ({@code model_config.key}) the fault applies to
     * @param fault    the fault
     */
    public void setFault(String modelKey, RemoteFault fault) {
        state.faults.put(modelKey, fault);
    }

    /** @param fault {@link RemoteFault.Type#HTTP_STATUS} or {@code HANG_BEFORE_FIRST_BYTE} for the model list; null clears */
    public void setModelListFault(RemoteFault fault) {
        state.modelListFault = fault;
    }

    /** Removes all chat and model-list faults. */
    public void clearFaults() {
        state.faults.clear();
        state.modelListFault = null;
    }

    /** @param script a script; the newest matching script wins */
    public void addScript(RemoteScript script) {
        state.scripts.add(0, script);
    }

    /** Removes all scripts (back to the default reply). */
    public void clearScripts() {
        state.scripts.clear();
    }

    /**
     * Writes a plugin cache exactly as the Lingma/QoderCN plugin does (lingma-remote.md §3.2–§3.4):
     * {@code dir/cache/id} = machine id, {@code dir/cache/user} = Base64(AES-128-CBC(key = IV = first 16 chars of the
     * machine id, PKCS#7, JSON {@code uid, name, key, encrypt_user_info, expire_time, …})).
     *
     * @param dir     the cache directory {@code D} (created when missing)
     * @param account the account (its {@code expired} flag sets {@code expire_time} in the past)
     * @return {@code dir}
     * @throws UncheckedIOException when the files cannot be written
     */
    public Path writePluginCache(Path dir, RemoteSimulatorAccount account) {
        return PluginCache.write(dir, account, state.options.clock());
    }

    private static <T> T await(Future<T> future, String what) {
        try {
            return future.toCompletionStage().toCompletableFuture().get(BLOCKING_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting to " + what, e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("remote simulator could not " + what + ": " + e.getCause().getMessage(),
                    e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("remote simulator could not " + what + " within "
                    + BLOCKING_TIMEOUT_SECONDS + " s", e);
        }
    }
}
