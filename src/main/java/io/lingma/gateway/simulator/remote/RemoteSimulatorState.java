package io.lingma.gateway.simulator.remote;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Everything the remote simulator's endpoints share: registered accounts, faults, scripts, the request recorder and
 * the counters. Written from the event loop and read by test threads, so every member is a concurrent collection,
 * an atomic or a volatile reference to an immutable value.
 */
final class RemoteSimulatorState {

    final Vertx vertx;
    final RemoteSimulatorOptions options;
    final Map<String, RemoteSimulatorAccount> accountsByInfo = new ConcurrentHashMap<>();
    final Map<String, RemoteFault> faults = new ConcurrentHashMap<>();
    /** Newest first: the first matching script wins. */
    final List<RemoteScript> scripts = new CopyOnWriteArrayList<>();
    final List<RecordedRemoteRequest> recorded = new CopyOnWriteArrayList<>();
    final CosyVerifier verifier;
    volatile RemoteFault modelListFault;

    final AtomicLong requests = new AtomicLong();
    final AtomicLong modelListRequests = new AtomicLong();
    final AtomicLong chatRequests = new AtomicLong();
    final AtomicLong authRejections = new AtomicLong();
    final AtomicLong faultsInjected = new AtomicLong();
    final AtomicLong framesWritten = new AtomicLong();
    final AtomicLong clientAborts = new AtomicLong();

    RemoteSimulatorState(Vertx vertx, RemoteSimulatorOptions options) {
        this.vertx = vertx;
        this.options = options;
        this.verifier = new CosyVerifier(options, accountsByInfo::get);
    }

    /** @return the counters (snapshot) */
    RemoteSimulatorStats stats() {
        return new RemoteSimulatorStats(requests.get(), modelListRequests.get(), chatRequests.get(),
                authRejections.get(), faultsInjected.get(), framesWritten.get(), clientAborts.get());
    }

    /**
     * Records a request for assertions (§11.2 "record every request").
     *
     * @param request      the request (method, path, query and headers are taken from it, first value per name)
     * @param raw          the body bytes as received
     * @param body         the decoded JSON body, or null
     * @param verdict      the authentication verdict ({@code OK} on paths that are not checked)
     * @param modelKey     {@code model_config.key}, or null
     * @param lastUserText the text of the last user message, or null
     * @return the record, already added
     */
    RecordedRemoteRequest record(HttpServerRequest request, byte[] raw, JsonNode body,
                                 RecordedRemoteRequest.AuthVerdict verdict, String modelKey, String lastUserText) {
        Map<String, String> headers = new LinkedHashMap<>();
        request.headers().forEach(e -> headers.putIfAbsent(e.getKey(), e.getValue()));
        RecordedRemoteRequest rec = new RecordedRemoteRequest(request.method().name(), request.path(),
                request.query() == null ? "" : request.query(), headers, raw, body, verdict, modelKey, lastUserText);
        recorded.add(rec);
        return rec;
    }

    /** @return the account's model list, or the §11.3 default catalogue */
    static String modelListJson(RemoteSimulatorAccount account) {
        return account.modelListJson() == null ? RemoteSimulator.DEFAULT_MODEL_LIST : account.modelListJson();
    }
}
