package io.lingma.gateway.api;

import io.lingma.gateway.chat.ChatEvent;
import io.lingma.gateway.chat.ChatResult;
import io.lingma.gateway.error.GatewayException;

import java.util.List;

/** Stateful SSE encoder for one response (client-api.md §2.9). */
public interface StreamEncoder {

    /** @return frames at the commit point */
    List<SseFrame> start();

    /**
     * @param event a content event
     * @return frames for it
     */
    List<SseFrame> onEvent(ChatEvent event);

    /**
     * @param result the completed turn
     * @return the closing frames
     */
    List<SseFrame> finish(ChatResult result);

    /**
     * @param e the failure
     * @return the terminal error frames
     */
    List<SseFrame> error(GatewayException e);

    /** @return a keep-alive frame */
    SseFrame keepAlive();
}
