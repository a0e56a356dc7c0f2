package io.lingma.gateway.chat;

/**
 * One image attached to a message (client-api.md §9.6).
 *
 * @param mediaType  MIME type such as {@code image/png}; never null
 * @param base64Data the image bytes in base64 without a {@code data:} prefix; null when only {@code url} is known
 * @param url        the original http(s) URL, or null
 */
public record ImageInput(String mediaType, String base64Data, String url) {
}
