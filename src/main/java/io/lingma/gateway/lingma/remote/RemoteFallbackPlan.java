package io.lingma.gateway.lingma.remote;

import io.lingma.gateway.chat.ChatTurn;
import io.lingma.gateway.chat.ResolvedModel;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * One request's walk along the ordered model fallback (lingma-remote.md §9.2), carried by the
 * {@code lingma-remote-fallback} route in the exchange property {@link #PROPERTY}: the models in order, how many were
 * attempted, why each one was left, and the answering turn once one model answered. Used by one thread at a time.
 */
public final class RemoteFallbackPlan {

    /** Exchange property holding the plan. */
    public static final String PROPERTY = "lingmaRemotePlan";

    private final ChatTurn turn;
    private final ResolvedModel requested;
    private final RemoteCredential credential;
    private final String baseUrl;
    private final List<String> order;
    private final int maxAttempts;
    private final BooleanSupplier abandoned;
    private final List<String> outcomes = new ArrayList<>();
    private int next;
    private int attempted;
    private String current;
    private RemoteFailure lastFailure;
    private RemoteTurn answer;
    private RuntimeException stop;

    /**
     * @param turn        the request as the remote API receives it
     * @param requested   the model the client asked for
     * @param credential  the account's credential
     * @param baseUrl     the account's base URL
     * @param order       model keys to try, requested first
     * @param maxAttempts attempts at most ({@code gateway.remote.fallback.max-attempts}, at least 1)
     * @param abandoned   true once the client went away
     */
    public RemoteFallbackPlan(ChatTurn turn, ResolvedModel requested, RemoteCredential credential, String baseUrl,
                              List<String> order, int maxAttempts, BooleanSupplier abandoned) {
        this.turn = turn;
        this.requested = requested;
        this.credential = credential;
        this.baseUrl = baseUrl;
        this.order = List.copyOf(order);
        this.maxAttempts = Math.max(1, maxAttempts);
        this.abandoned = abandoned;
    }

    /** @return the next model key to try, or null when a model answered, the order is done or attempts ran out */
    String advance() {
        if (answer != null || stop != null || next >= order.size() || attempted >= maxAttempts) {
            current = null;
            return null;
        }
        current = order.get(next++);
        attempted++;
        return current;
    }

    /** The current model's breaker was open: it was not attempted. */
    void skipped() {
        attempted--;
        outcomes.add(current + ": circuit open");
    }

    /** @param failure the fallback-eligible failure the current model ended with */
    void failed(RemoteFailure failure) {
        lastFailure = failure;
        outcomes.add(current + ": " + failure.getMessage());
    }

    /**
     * @param error a failure that goes to the client at once: no further model is tried
     * @return {@code error}, to throw
     */
    RuntimeException stop(RuntimeException error) {
        stop = error;
        return error;
    }

    /** @return the failure that ended the walk early, or null */
    public RuntimeException stopped() {
        return stop;
    }

    /** @param turn the current model's turn, which produced its first event */
    void answered(RemoteTurn turn) {
        answer = turn;
    }

    /** @return the model being tried */
    public String current() {
        return current;
    }

    /** @return the request as the remote API receives it */
    public ChatTurn turn() {
        return turn;
    }

    /** @return the model the client asked for */
    public ResolvedModel requested() {
        return requested;
    }

    /** @return the account's credential */
    public RemoteCredential credential() {
        return credential;
    }

    /** @return the account's base URL */
    public String baseUrl() {
        return baseUrl;
    }

    /** @return the models in attempt order */
    public List<String> order() {
        return order;
    }

    /** @return why each model was left so far ({@code key: reason}) */
    public List<String> outcomes() {
        return List.copyOf(outcomes);
    }

    /** @return the last fallback-eligible failure, or null when no model was attempted */
    public RemoteFailure lastFailure() {
        return lastFailure;
    }

    /** @return the answering turn, or null */
    public RemoteTurn answer() {
        return answer;
    }

    /** @return how many models moved the request on to the next one (0 when the first model tried answered) */
    public int fallbacks() {
        return outcomes.size();
    }

    /** @return the client-gone check of the request */
    public BooleanSupplier abandoned() {
        return abandoned;
    }
}
