package io.lingma.gateway.lingma.ipc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lingma.gateway.chat.ChatEvent;
import io.lingma.gateway.chat.ChatTurn;
import io.lingma.gateway.chat.FinishReason;
import io.lingma.gateway.chat.ResolvedModel;
import io.lingma.gateway.chat.RetryableTurn;
import io.lingma.gateway.chat.UpstreamTurn;
import io.lingma.gateway.error.ErrorKind;
import io.lingma.gateway.error.GatewayException;
import io.lingma.gateway.error.SharedUpstreamFaultException;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One running IPC turn (lingma-ipc.md §5.4–§5.7): owns its session choice, request id, timers and a bounded event
 * queue. Upstream callbacks arrive on the Vert.x event loop and only take this object's monitor for short,
 * non-blocking work; the consumer pulls with {@link #next(Duration)}.
 *
 * <p>End-of-turn table (§5.7): {@code chat_finish} ends the turn; a {@code session/prompt} error fails it at once;
 * a prompt success with {@code stopReason} ends it after {@code finish-grace} when no {@code chat_finish} follows;
 * a closed connection before any content reconnects and replays once, after text fails with
 * {@code upstream_incomplete} (or returns the partial text, or with {@code partial-on-disconnect=resume} replays once
 * and goes on where the reply broke off if the replay repeats it exactly); a lost connection fails its turns with a
 * {@link SharedUpstreamFaultException}, since the client's connection-loss listener counts it once for the circuit
 * breaker; the sessions it leaves behind are deleted after the reconnect; idle and turn timeouts fail with
 * {@code upstream_timeout} and send {@code session/cancel} + delete the session.
 *
 * <p>Session lifetime: the turn slot, the sticky lock, the image files and a cleanly finished session are given up
 * only by {@link #close()}, so the tool emulation can still run its one {@link #retry(String) retry} in the same
 * Lingma session after the terminal event (client-api.md §10.8 step 3, lingma-ipc.md §6.2). A failed or cancelled
 * attempt still cancels and deletes (or drops) its session at once. The retry is a second {@code IpcTurn} that
 * shares this turn's session, link and monitor but owns no slot, lock or files; this turn's {@link #close()} closes
 * it and then disposes of the session:
 * <ul>
 *   <li>{@code fresh}: deleted after the last attempt.</li>
 *   <li>{@code auto}: written into the session cache only when the turn finished cleanly <em>without</em> a retry;
 *       after a retry the Lingma-side history also holds the retry instruction and the first (refused) answer,
 *       which no later request's transcript will contain, so the session is deleted instead of cached.</li>
 *   <li>{@code reuse}: the sticky session stays when the last attempt finished cleanly, else it is dropped and
 *       deleted; the sticky lock is held until close.</li>
 * </ul>
 */
final class IpcTurn implements RetryableTurn, LingmaIpcClient.TurnSink {

    private static final Logger LOG = LoggerFactory.getLogger(IpcTurn.class);

    /** Where the turn's session comes from. */
    enum Kind { FRESH, CACHED, STICKY }

    /**
     * @param kind          session source
     * @param cacheEntry    the cache hit for {@link Kind#CACHED}, else null
     * @param cacheWritable true when a clean finish without a retry writes the session into the cache
     *                      ({@code auto} mode)
     */
    record Plan(Kind kind, IpcSessionCache.Entry cacheEntry, boolean cacheWritable) {
    }

    /** Carries the client-facing error out of {@link #begin()} after the turn cleaned up after itself. */
    static final class BeginFailure extends RuntimeException {
        private final GatewayException error;

        BeginFailure(GatewayException error) {
            super(error.getMessage(), error, false, false);
            this.error = error;
        }

        GatewayException error() {
            return error;
        }
    }

    private final IpcChatBackend backend;
    private final LingmaIpcClient client;
    private final IpcSettings settings;
    private final Vertx vertx;
    private final ObjectMapper mapper;
    private final ChatTurn turn;
    private final ResolvedModel model;
    private final String fullPrompt;
    private final String lastUserText;
    private final IpcImageAttachments images;
    private final boolean imagesOfLastUser;
    private final boolean cacheWritable;
    private final boolean stickyHeld;
    private final IpcTurnEvents events;
    private final IpcTurnErrors errors;
    /** The monitor of this turn; a retry shares its original turn's monitor, so no lock order can invert. */
    private final Object lock;
    /** The original turn when this is a tool-emulation retry, else null. */
    private final IpcTurn owner;

    // state guarded by lock
    private IpcTurn retryTurn;
    private Kind kind;
    private IpcSessionCache.Entry cacheEntry;
    private LingmaIpcClient.Link link;
    private String sessionId;
    private String sessionModel = "";
    private String requestId;
    /** The request id the pooled session's {@code session/set_model} carried, or null. */
    private String pooledRequestId;
    private String promptText = "";
    private boolean promptSent;
    private boolean contentReceived;
    private boolean replayed;
    private boolean terminal;
    private boolean cleanFinish;
    private boolean cancelled;
    private boolean closed;
    private boolean sessionDisposed;
    private boolean resourcesReleased;
    private String stopReason;
    private final StringBuilder text = new StringBuilder();
    private final StringBuilder thinking = new StringBuilder();
    /**
     * While a replay after a lost connection re-produces the text already handed out: how much of {@link #text}
     * and {@link #thinking} it has repeated so far; -1 when not resuming (or caught up).
     */
    private int resumedText = -1;
    private int resumedThinking = -1;
    private final IpcTurnTimers timers;

    IpcTurn(IpcChatBackend backend, IpcSettings settings, ChatTurn turn, ResolvedModel model, Plan plan,
            String fullPrompt, String lastUserText, IpcImageAttachments images, boolean stickyHeld) {
        this.backend = backend;
        this.client = backend.client;
        // the backend's settings with this turn's endpoint options (session mode, setup timeout)
        this.settings = settings;
        this.vertx = client.vertx();
        this.mapper = client.mapper();
        this.turn = turn;
        this.model = model;
        this.kind = plan.kind();
        this.cacheEntry = plan.cacheEntry();
        this.cacheWritable = plan.cacheWritable();
        this.fullPrompt = fullPrompt;
        this.lastUserText = lastUserText;
        this.images = images;
        int imageTurn = IpcPromptRenderer.newestImageTurn(turn);
        this.imagesOfLastUser = imageTurn >= 0 && turn.messages().get(imageTurn) == turn.lastUserMessage();
        this.stickyHeld = stickyHeld;
        this.events = new IpcTurnEvents(settings, turn);
        this.errors = new IpcTurnErrors(settings, model);
        this.lock = new Object();
        this.timers = new IpcTurnTimers(vertx, lock, () -> terminal);
        this.owner = null;
    }

    /** Creates the retry of {@code original} in its session; call with the shared monitor held. */
    private IpcTurn(IpcTurn original, String retryPrompt) {
        this.backend = original.backend;
        this.client = original.client;
        this.settings = original.settings;
        this.vertx = original.vertx;
        this.mapper = original.mapper;
        this.turn = original.turn;
        this.model = original.model;
        this.kind = original.kind;
        this.cacheEntry = original.cacheEntry;
        this.cacheWritable = false;
        this.fullPrompt = original.fullPrompt;
        this.lastUserText = original.lastUserText;
        // images went with the original prompt; the session already has them
        this.images = IpcImageAttachments.none();
        this.imagesOfLastUser = false;
        this.stickyHeld = false;
        this.events = new IpcTurnEvents(settings, turn);
        this.errors = original.errors;
        this.lock = original.lock;
        this.timers = new IpcTurnTimers(vertx, lock, () -> terminal);
        this.owner = original;
        this.link = original.link;
        this.sessionId = original.sessionId;
        this.sessionModel = original.sessionModel;
        this.promptText = retryPrompt;
        // a retry never replays: the client has seen the first answer, and a new session would lack it
        this.replayed = true;
        // nothing to release: slot, lock and files belong to the original turn
        this.resourcesReleased = true;
    }

    /**
     * Sets the turn up and sends the prompt; blocks the calling worker thread during set-up only. A connection
     * that closes during set-up is retried once on a new connection.
     *
     * @throws BeginFailure carrying the client-facing error; the turn has released everything
     */
    void begin() {
        if (settings.hasTurnDeadline()) {
            timers.startDeadline(settings.turnTimeout().toMillis(), () -> timeout("turn deadline of "
                    + settings.turnTimeout().toMillis() + " ms reached"));
        }
        CompletableFuture<LingmaIpcClient.Link> setup = setupAttempt(false).exceptionallyCompose(e -> {
            synchronized (lock) {
                if (!(unwrap(e) instanceof IpcConnectionClosedException) || replayed || cancelled) {
                    return CompletableFuture.failedFuture(unwrap(e));
                }
                replayed = true;
                prepareReplay();
            }
            LOG.info("Lingma IPC connection closed during set-up of {}; reconnecting and retrying once",
                    turn.requestId());
            return setupAttempt(true);
        });
        Duration wait = settings.setupTimeout().multipliedBy(4).plus(settings.handshakeTimeout());
        LingmaIpcClient.Link ready;
        try {
            ready = setup.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw abortBegin(new GatewayException(ErrorKind.BACKEND_UNAVAILABLE, "interrupted during Lingma set-up",
                    e));
        } catch (TimeoutException e) {
            throw abortBegin(errors.setupTimeout());
        } catch (ExecutionException e) {
            throw abortBegin(errors.toGateway(unwrap(e)));
        }
        // on this worker, not the event loop that completed the set-up: serialising a huge prompt takes a while
        try {
            sendPrompt(ready);
        } catch (RuntimeException e) {
            throw abortBegin(errors.toGateway(e));
        }
    }

    // ---- RetryableTurn ----

    /**
     * Starts the tool-emulation retry (client-api.md §10.8 step 3; lingma-ipc.md §6.2): a second
     * {@code session/prompt} in this turn's session with a new request id
     * ({@code gateway.ipc.retry-request-id-prefix}), the text this turn sent + blank line + {@code instruction},
     * {@code _meta} like the original, no images and no {@code session/set_model}. The retry reports events, usage
     * (estimated on its own prompt and answer), timeouts and disconnects like any turn; a disconnect during it is
     * {@code upstream_incomplete} and is never replayed. Cancelling or closing this turn cancels/closes the retry.
     * Non-blocking.
     *
     * @param instruction the retry instruction (client-api.md §10.4)
     * @return the running retry
     * @throws IllegalStateException before this turn's terminal event, after {@link #close()}, for a second retry
     *                               or when called on a retry
     * @throws GatewayException      {@code upstream_error} when this turn failed or was cancelled (its session is
     *                               gone), {@code upstream_incomplete} when the connection closed since
     */
    @Override
    public UpstreamTurn retry(String instruction) {
        IpcTurn retry;
        synchronized (lock) {
            if (owner != null) {
                throw new IllegalStateException("a tool-emulation retry cannot be retried again");
            }
            if (closed) {
                throw new IllegalStateException("the Lingma IPC turn is closed");
            }
            if (!terminal) {
                throw new IllegalStateException("the Lingma IPC turn has not ended yet");
            }
            if (retryTurn != null) {
                throw new IllegalStateException("the Lingma IPC turn was already retried once");
            }
            if (!cleanFinish || cancelled || sessionDisposed || sessionId == null) {
                throw new GatewayException(ErrorKind.UPSTREAM_ERROR, "the Lingma IPC turn did not finish cleanly; "
                        + "there is no session to retry in");
            }
            if (link == null || !link.isOpen()) {
                throw new GatewayException(ErrorKind.UPSTREAM_INCOMPLETE, "the Lingma IPC connection closed before "
                        + "the tool-emulation retry");
            }
            retry = new IpcTurn(this, promptText + "\n\n" + (instruction == null ? "" : instruction));
            try {
                retry.requestId = client.register(link, retry, true);
            } catch (IpcConnectionClosedException e) {
                throw new GatewayException(ErrorKind.UPSTREAM_INCOMPLETE, "the Lingma IPC connection closed before "
                        + "the tool-emulation retry", e);
            }
            retryTurn = retry;
            if (settings.hasTurnDeadline()) {
                retry.timers.startDeadline(settings.turnTimeout().toMillis(), () -> retry.timeout(
                        "turn deadline of " + settings.turnTimeout().toMillis() + " ms reached (retry)"));
            }
            LOG.debug("Lingma IPC turn {} retried in session {} as {}", turn.requestId(), sessionId, retry.requestId);
        }
        retry.sendPrompt(retry.link);
        return retry;
    }

    // ---- UpstreamTurn ----

    @Override
    public ChatEvent next(Duration timeout) throws InterruptedException {
        return events.next(timeout);
    }

    @Override
    public ResolvedModel model() {
        return model;
    }

    /**
     * Cancels the turn (lingma-ipc.md §5.7): a running turn fails and sends {@code session/cancel}; a finished one is
     * no longer a clean conversation and loses its session (not cached). On an original turn that was retried, the
     * retry is cancelled instead (it sends {@code session/cancel} and deletes or drops the shared session).
     * Non-blocking; idempotent.
     *
     * @param reason short text for logs
     */
    @Override
    public void cancel(String reason) {
        synchronized (lock) {
            if (terminal) {
                if (retryTurn != null) {
                    retryTurn.cancel(reason);
                    return;
                }
                // a retry started after this would run in an abandoned session
                cancelled = true;
                // a finished turn that the client abandoned is not a clean conversation: do not cache it
                cleanFinish = cleanFinish && closed;
                if (!closed && kind != Kind.STICKY) {
                    disposeSession(false);
                }
                return;
            }
            cancelled = true;
            LOG.info("Lingma IPC turn {} cancelled: {}", turn.requestId(), reason);
            fail(ErrorKind.INTERNAL, "turn cancelled by the gateway: " + reason);
        }
    }

    /**
     * Ends the turn: cancels it when still running, closes its retry, then deletes, caches or keeps the session
     * (see the class comment) and releases the turn slot, the sticky lock and image files exactly once.
     * On a retry it only cancels a running retry; the session stays with the original turn. Idempotent.
     */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            if (!terminal) {
                cancel("closed before the end of the turn");
            }
            closed = true;
            if (owner != null) {
                return;
            }
            if (retryTurn != null) {
                retryTurn.close();
            }
            if (!sessionDisposed) {
                disposeSession(retryTurn == null ? cleanFinish : retryTurn.cleanFinish);
            }
            releaseResources();
        }
    }

    // ---- TurnSink (event loop) ----

    @Override
    public void onUpdate(JsonNode params) {
        synchronized (lock) {
            if (terminal) {
                return;
            }
            timers.activity();
            JsonNode update = params.path("update");
            switch (update.path("sessionUpdate").asText("")) {
                case "agent_message_chunk" -> {
                    String delta = unseen(false, update.path("content").path("text").asText(""));
                    if (delta != null && !delta.isEmpty()) {
                        text.append(delta);
                        contentReceived = true;
                        enqueue(new ChatEvent.TextDelta(delta));
                    }
                }
                case "agent_thought_chunk" -> {
                    String delta = unseen(true, update.path("content").path("text").asText(""));
                    if (delta != null && !delta.isEmpty()) {
                        thinking.append(delta);
                        contentReceived = true;
                        enqueue(new ChatEvent.ThinkingDelta(delta));
                    }
                }
                case "notification" -> {
                    String type = update.path("type").asText("");
                    JsonNode data = update.path("data");
                    if (type.equals("context_usage")) {
                        ChatEvent.ContextUsage usage = new ChatEvent.ContextUsage(data.path("usedTokens").asLong(0),
                                data.path("limitTokens").asLong(0));
                        backend.contextUsage(usage);
                        enqueue(usage);
                    } else if (type.equals("chat_finish")) {
                        finish(data);
                    }
                }
                default -> {
                    // unknown kinds and native tool/plan activity are ignored (§5.5); they still count as activity
                }
            }
        }
    }

    @Override
    public void onConnectionClosed(IpcConnectionClosedException cause) {
        synchronized (lock) {
            if (promptSent) {
                connectionLost(requestId);
            }
            // before the prompt is sent, the set-up chain fails on its own and begin() retries once
        }
    }

    /** Handles the loss of the connection a sent prompt ran on; once per request id. */
    private void connectionLost(String rid) {
        if (terminal || rid == null || !rid.equals(requestId)) {
            return;
        }
        boolean resume = contentReceived && owner == null
                && settings.partialOnDisconnect() == IpcSettings.PartialOnDisconnect.RESUME;
        if ((!contentReceived || resume) && !replayed && !cancelled) {
            replayed = true;
            if (resume) {
                // the replay must repeat what was handed out before the reply may go on (unseen())
                resumedText = 0;
                resumedThinking = 0;
                LOG.info("Lingma IPC connection closed mid-reply of {} ({} chars); reconnecting and replaying once",
                        turn.requestId(), text.length());
            } else {
                LOG.info("Lingma IPC connection closed before any output of {}; reconnecting and replaying once",
                        turn.requestId());
            }
            prepareReplay();
            setupAndPrompt().whenComplete((v, e) -> {
                if (e != null) {
                    synchronized (lock) {
                        fail(errors.toGateway(unwrap(e)));
                    }
                }
            });
            return;
        }
        if (contentReceived && settings.partialOnDisconnect() == IpcSettings.PartialOnDisconnect.RETURN_PARTIAL) {
            LOG.warn("Lingma IPC connection closed mid-reply of {}; returning the partial reply", turn.requestId());
            succeed(FinishReason.STOP, false);
            return;
        }
        // the lost connection is counted once by the client's connection-loss listener, not once per turn
        if (owner != null) {
            // the client already has the first answer: whatever the retry had sent, the response is incomplete
            failShared(ErrorKind.UPSTREAM_INCOMPLETE, "Lingma IPC connection closed during the tool-emulation retry");
            return;
        }
        failShared(contentReceived ? ErrorKind.UPSTREAM_INCOMPLETE : ErrorKind.UPSTREAM_ERROR, contentReceived
                ? "Lingma IPC connection closed before the reply was complete"
                : "Lingma IPC connection closed again before any reply (the turn was already replayed once)");
    }

    // ---- set-up ----

    /** A set-up again after a lost connection or a stale reused session, then the prompt (on the event loop). */
    private CompletableFuture<Void> setupAndPrompt() {
        return setupAttempt(true).thenAccept(this::sendPrompt);
    }

    private CompletableFuture<LingmaIpcClient.Link> setupAttempt(boolean replay) {
        return client.link().thenCompose(l -> {
            synchronized (lock) {
                if (terminal || cancelled) {
                    return CompletableFuture.failedFuture(new GatewayException(ErrorKind.INTERNAL,
                            "turn cancelled during set-up"));
                }
                link = l;
            }
            return obtainSession(l);
        }).thenCompose(l -> setModel(l));
    }

    private CompletableFuture<LingmaIpcClient.Link> obtainSession(LingmaIpcClient.Link l) {
        synchronized (lock) {
            if (kind == Kind.CACHED && cacheEntry != null && cacheEntry.generation() == l.generation) {
                sessionId = cacheEntry.sessionId();
                sessionModel = cacheEntry.modelKey();
                promptText = lastUserText;
                return CompletableFuture.completedFuture(l);
            }
            if (kind == Kind.CACHED) {
                LOG.info("ipc session cache instance gen-{} unhealthy, falling back to fresh (gen-{})",
                        cacheEntry == null ? -1 : cacheEntry.generation(), l.generation);
                kind = Kind.FRESH;
                cacheEntry = null;
            }
            if (kind == Kind.STICKY) {
                IpcChatBackend.Sticky s = backend.sticky();
                promptText = lastUserText;
                if (s != null && s.generation() == l.generation) {
                    sessionId = s.sessionId();
                    sessionModel = s.modelKey();
                    return CompletableFuture.completedFuture(l);
                }
            } else {
                promptText = fullPrompt;
                IpcSessionPool.Pooled pooled = backend.sessionPool.take(l, model);
                if (pooled != null) {
                    sessionId = pooled.sessionId();
                    sessionModel = pooled.modelKey();
                    pooledRequestId = pooled.requestId();
                    return CompletableFuture.completedFuture(l);
                }
            }
        }
        ObjectNode params = IpcAcpRequests.sessionNew(mapper, settings);
        return l.rpc.call("session/new", params, settings.setupTimeout()).handle((result, e) -> {
            if (e != null) {
                throw new CompletionException(errors.setupError("session/new", unwrap(e)));
            }
            String id = result.path("sessionId").asText("");
            if (id.isEmpty()) {
                id = result.path("id").asText("");
            }
            if (id.isEmpty()) {
                throw new CompletionException(new GatewayException(ErrorKind.UPSTREAM_ERROR,
                        "Lingma IPC did not return a sessionId"));
            }
            synchronized (lock) {
                sessionId = id;
                sessionModel = "";
                if (kind == Kind.STICKY) {
                    backend.setSticky(new IpcChatBackend.Sticky(id, l.generation, ""));
                }
                if (terminal) {
                    // cancelled while session/new was in flight: nobody else will delete it
                    disposeSession(false);
                }
            }
            return l;
        });
    }

    private CompletableFuture<LingmaIpcClient.Link> setModel(LingmaIpcClient.Link l) {
        String key = model.key() == null ? "" : model.key();
        ObjectNode params;
        synchronized (lock) {
            if (terminal) {
                return CompletableFuture.failedFuture(new GatewayException(ErrorKind.INTERNAL,
                        "turn cancelled during set-up"));
            }
            requestId = pooledRequestId != null ? client.register(l, this, pooledRequestId)
                    : client.register(l, this, false);
            pooledRequestId = null;
            // the IPC id keeps Lingma's <prefix>-<millis>-<hex> shape (lingma-ipc.md §5.4): logs correlate the two
            LOG.debug("request {} runs as Lingma IPC request {}", turn.requestId(), requestId);
            if (key.isEmpty() || key.equals(sessionModel)) {
                return CompletableFuture.completedFuture(l);
            }
            params = IpcAcpRequests.setModel(mapper, settings, model, sessionId, requestId);
        }
        return l.rpc.call("session/set_model", params, settings.setupTimeout()).handle((r, e) -> {
            if (e != null) {
                throw new CompletionException(errors.setupError("session/set_model", unwrap(e)));
            }
            synchronized (lock) {
                sessionModel = key;
                IpcChatBackend.Sticky s = backend.sticky();
                if (kind == Kind.STICKY && s != null && s.sessionId().equals(sessionId)) {
                    backend.setSticky(new IpcChatBackend.Sticky(s.sessionId(), s.generation(), key));
                }
            }
            return l;
        });
    }

    private void sendPrompt(LingmaIpcClient.Link l) {
        ObjectNode params;
        String rid;
        synchronized (lock) {
            if (terminal) {
                return;
            }
            rid = requestId;
            boolean withImages = !images.isEmpty() && (kind == Kind.FRESH || imagesOfLastUser);
            params = mapper.createObjectNode();
            params.put("sessionId", sessionId);
            ArrayNode prompt = params.putArray("prompt");
            ObjectNode textBlock = prompt.addObject();
            textBlock.put("type", "text");
            textBlock.put("text", promptText);
            if (withImages) {
                String scheme = !settings.fileUriScheme().isEmpty() ? settings.fileUriScheme()
                        : (l.endpoint.qoderCn() ? "qodercn" : "lingma");
                ArrayNode blocks = images.blocks(mapper, scheme);
                prompt.addAll(blocks);
                params.set("contextParams", blocks.isEmpty() ? mapper.nullNode() : blocks.deepCopy());
                if (images.imageUrl() != null) {
                    params.putObject("extra").put("imageUrl", images.imageUrl());
                }
            } else {
                params.putNull("contextParams");
            }
            params.set("_meta", meta(rid));
            promptSent = true;
            timers.activity();
            timers.armIdle(settings.idleTimeout().toMillis(), this::timeout);
        }
        l.rpc.call("session/prompt", params, null).whenComplete((result, e) -> onPromptResponse(rid, result, e));
    }

    private ObjectNode meta(String rid) {
        return IpcAcpRequests.meta(mapper, settings, model, rid);
    }

    // ---- turn events ----

    private void onPromptResponse(String rid, JsonNode result, Throwable error) {
        synchronized (lock) {
            if (terminal || rid == null || !rid.equals(requestId)) {
                return;
            }
            if (error != null) {
                Throwable cause = unwrap(error);
                if (cause instanceof IpcConnectionClosedException) {
                    connectionLost(rid);
                    return;
                }
                if (kind != Kind.FRESH && !contentReceived && !replayed && !cancelled) {
                    // a reused session may be gone upstream: retry once in a fresh session with the full history
                    replayed = true;
                    LOG.info("Lingma IPC session/prompt on reused session {} failed ({}); retrying in a fresh session",
                            sessionId, cause.getMessage());
                    String stale = sessionId;
                    Kind was = kind;
                    client.unregister(link, requestId);
                    timers.cancelIdle();
                    sessionId = null;
                    requestId = null;
                    promptSent = false;
                    kind = Kind.FRESH;
                    cacheEntry = null;
                    if (was == Kind.STICKY) {
                        backend.dropSticky(stale, true);
                    } else {
                        backend.deleteSession(stale);
                    }
                    setupAndPrompt().whenComplete((v, e) -> {
                        if (e != null) {
                            synchronized (lock) {
                                fail(errors.toGateway(unwrap(e)));
                            }
                        }
                    });
                    return;
                }
                fail(ErrorKind.UPSTREAM_ERROR, IpcTurnErrors.promptFailure(cause));
                return;
            }
            JsonNode reason = result == null ? null : result.get("stopReason");
            if (reason != null && reason.isTextual()) {
                stopReason = reason.asText();
                timers.startGrace(settings.finishGrace().toMillis(), () -> {
                    if (!terminal && rid.equals(requestId)) {
                        LOG.debug("no chat_finish within finish-grace for {}; ending with the text received",
                                turn.requestId());
                        finish(mapper.createObjectNode());
                    }
                });
            }
        }
    }

    private void finish(JsonNode data) {
        int status = data.path("statusCode").asInt(0);
        if (status >= 400) {
            fail(ErrorKind.UPSTREAM_ERROR, "Lingma IPC chat_finish reported status " + status);
            return;
        }
        if (resumedText >= 0 && resumedText < text.length()) {
            failShared(ErrorKind.UPSTREAM_INCOMPLETE, "Lingma IPC connection closed before the reply was complete, "
                    + "and the replayed reply was shorter than the text already sent");
            return;
        }
        if (text.length() == 0) {
            String fullAnswer = data.path("fullAnswer").asText("");
            if (!fullAnswer.isEmpty()) {
                text.append(fullAnswer);
                enqueue(new ChatEvent.TextDelta(fullAnswer));
                if (terminal) {
                    return;
                }
            }
        }
        if (text.length() == 0 && (thinking.length() == 0 || !turn.reasoningRequested())) {
            fail(ErrorKind.UPSTREAM_EMPTY_REPLY, "Lingma IPC did not produce an assistant reply");
            return;
        }
        succeed(IpcTurnErrors.finishReason(stopReason, data.path("reason").asText("")), true);
    }

    /**
     * Passes a delta through, or, while a resumed replay catches up with the text already handed out, checks it
     * against that text and keeps only what goes beyond it. A replay that says something else fails the turn: the
     * client must never get two different beginnings of one reply.
     *
     * @param ofThinking true for a thought chunk
     * @param delta      the chunk's text
     * @return the part not handed out yet ("" while catching up), or null after failing the turn
     */
    private String unseen(boolean ofThinking, String delta) {
        int at = ofThinking ? resumedThinking : resumedText;
        if (at < 0 || delta.isEmpty()) {
            return delta;
        }
        StringBuilder sent = ofThinking ? thinking : text;
        int repeat = Math.min(delta.length(), sent.length() - at);
        if (!sent.substring(at, at + repeat).equals(delta.substring(0, repeat))) {
            failShared(ErrorKind.UPSTREAM_INCOMPLETE, "Lingma IPC connection closed before the reply was complete, "
                    + "and the replayed reply differs from the text already sent");
            return null;
        }
        at += repeat;
        boolean caughtUp = at >= sent.length();
        if (ofThinking) {
            resumedThinking = caughtUp ? -1 : at;
        } else {
            resumedText = caughtUp ? -1 : at;
            if (caughtUp) {
                LOG.info("Lingma IPC turn {} resumed after the lost connection", turn.requestId());
            }
        }
        return delta.substring(repeat);
    }

    private void timeout(String what) {
        synchronized (lock) {
            if (terminal) {
                return;
            }
            LOG.warn("Lingma IPC turn {} timed out ({}); {} chars of text received", turn.requestId(), what,
                    text.length());
            if (text.length() > 0 && LOG.isDebugEnabled()) {
                LOG.debug("Lingma IPC response remained incomplete before timeout. Partial reply: {}",
                        text.substring(0, text.offsetByCodePoints(0, Math.min(120, text.codePointCount(0,
                                text.length())))));
            }
            fail(ErrorKind.UPSTREAM_TIMEOUT, "timed out while waiting for Lingma IPC to finish responding");
        }
    }

    private void enqueue(ChatEvent event) {
        if (!events.offer(event)) {
            LOG.warn("Lingma IPC turn {} overflowed its event queue ({}): the client reads too slowly",
                    turn.requestId(), events.bounds());
            // not Lingma's fault, so not an upstream error for the breakers; Lingma cannot be paused, so the turn ends
            fail(ErrorKind.INTERNAL, "client reads too slowly; more of the answer is waiting than the gateway buffers "
                    + "per stream (gateway.stream.max-buffered-bytes)");
        }
    }

    private void succeed(FinishReason reason, boolean clean) {
        terminal = true;
        cleanFinish = clean;
        // counting the tokens of a long reply takes seconds: the consumer does it in next(), never the event loop
        events.finish(new ChatEvent.Finish(reason), () -> {
            String prompt;
            String reply;
            String thought;
            synchronized (lock) {
                prompt = promptText;
                reply = text.toString();
                thought = thinking.toString();
            }
            return IpcTurnEvents.estimatedUsage(backend.estimator, prompt, reply, thought);
        });
        endOfTurn();
    }

    private void fail(ErrorKind kind, String message) {
        fail(new GatewayException(kind, message));
    }

    /** Fails with a fault of the whole connection, which the circuit breaker counts once, not per turn. */
    private void failShared(ErrorKind kind, String message) {
        fail(new SharedUpstreamFaultException(kind, message, null));
    }

    private void fail(GatewayException error) {
        if (terminal) {
            return;
        }
        terminal = true;
        cleanFinish = false;
        events.fail(new ChatEvent.Failure(error));
        abandonUpstream();
        endOfTurn();
    }

    /** Sends {@code session/cancel} when a prompt is in flight, then deletes or drops the session (§5.7). */
    private void abandonUpstream() {
        LingmaIpcClient.Link l = link;
        if (sessionId != null && promptSent && settings.sendCancel() && l != null && l.isOpen()) {
            ObjectNode params = mapper.createObjectNode();
            params.put("sessionId", sessionId);
            l.rpc.notify("session/cancel", params);
        }
        disposeSession(false);
    }

    /**
     * Deletes, caches or keeps the session (lingma-ipc.md §5.8, client-api.md §11). A retry hands a failed session
     * to its original turn (which owns it) and never disposes of a clean one: that is the original's close.
     */
    private void disposeSession(boolean clean) {
        if (owner != null) {
            if (!clean) {
                owner.disposeSession(false);
            }
            return;
        }
        if (sessionDisposed || sessionId == null) {
            // no session yet: a session/new still in flight disposes of its result itself
            return;
        }
        sessionDisposed = true;
        if (kind == Kind.STICKY) {
            if (!clean) {
                backend.dropSticky(sessionId, true);
            }
            return;
        }
        if (clean && cacheWritable && retryTurn == null && link != null && text.length() > 0) {
            String writeKey = IpcSessionCache.buildKey(turn.apiKeyScope(), turn.system(),
                    IpcSessionCache.withReply(turn.messages(), text.toString()), null);
            backend.sessionCache.put(writeKey, new IpcSessionCache.Entry(sessionId, link.generation, sessionModel));
            return;
        }
        backend.deleteSession(sessionId);
    }

    private void endOfTurn() {
        timers.cancelAll();
        client.unregister(link, requestId);
        // the slot, the sticky lock and the image files stay with the turn until close(): a retry may follow
    }

    private void releaseResources() {
        if (resourcesReleased) {
            return;
        }
        resourcesReleased = true;
        backend.releaseSlot(this, stickyHeld);
        if (!images.isEmpty()) {
            // deleting files is blocking IO: keep it off the event loop
            vertx.executeBlocking(() -> {
                images.deleteFiles();
                return null;
            }, false);
        }
    }

    private void prepareReplay() {
        client.unregister(link, requestId);
        timers.cancelIdleAndGrace();
        // Lingma keeps the abandoned session when only the WebSocket dropped: delete it (once reconnected)
        if (kind == Kind.STICKY && sessionId != null) {
            backend.dropSticky(sessionId, true);
        } else if (sessionId != null) {
            backend.deleteSession(sessionId);
        } else if (kind == Kind.CACHED && cacheEntry != null) {
            // the cache hit was taken out of the cache before it was used: nobody else will delete it
            backend.deleteSession(cacheEntry.sessionId());
        }
        if (kind == Kind.CACHED) {
            kind = Kind.FRESH;
            cacheEntry = null;
        }
        sessionId = null;
        requestId = null;
        pooledRequestId = null;
        stopReason = null;
        promptSent = false;
        link = null;
    }

    private BeginFailure abortBegin(GatewayException error) {
        synchronized (lock) {
            if (!terminal) {
                terminal = true;
                abandonUpstream();
                endOfTurn();
            }
            if (cacheEntry != null && sessionId == null) {
                // the cache hit was taken out of the cache but never used: nobody else will delete it
                backend.deleteSession(cacheEntry.sessionId());
            }
            closed = true;
            releaseResources();
        }
        return new BeginFailure(error);
    }

    private static Throwable unwrap(Throwable e) {
        return LingmaIpcClient.unwrap(e);
    }
}
