package io.lingma.gateway.api;

import io.lingma.gateway.chat.ImageInput;
import io.lingma.gateway.error.GatewayException;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;

/**
 * Parses and checks image sources into {@link ImageInput}s (client-api.md §9.6) without any I/O:
 * <ul>
 *   <li>{@code data:} URLs → media type + base64 data;</li>
 *   <li>Anthropic {@code source.type:"base64"} → media type + data;</li>
 *   <li>{@code http(s)} URLs, {@code file://}, {@code ~/} and absolute paths → {@code url} only, media type guessed
 *       from the extension (png/gif/webp/bmp, otherwise jpeg); loading and its guards happen later.</li>
 * </ul>
 * Thread-safe.
 */
public final class ImageSources {

    /**
     * @param part an OpenAI {@code image_url} part ({@code image_url} string or {@code {url}}) or Responses
     *             {@code input_image} part ({@code image_url} string or {@code {url}})
     * @return the image, or null when the part names no URL (e.g. only a {@code file_id})
     * @throws GatewayException 400 naming the URL field: {@code could not load image: …} for a malformed
     *                          {@code data:} URL, or a wrong type
     */
    public ImageInput fromOpenAiPart(Fields.Field part) {
        Fields.Field ref = part.get("image_url");
        if (ref.is(Fields.Type.OBJECT)) {
            return fromUrl(ref.get("url"));
        }
        return fromUrl(ref.isAbsent() ? part.get("url") : ref.expect(Fields.Type.STRING, Fields.Type.OBJECT));
    }

    /**
     * @param source an Anthropic image {@code source}: {@code {type:"base64",media_type,data}} or
     *               {@code {type:"url",url}}; {@code file} sources carry no data here
     * @return the image, or null when the source holds nothing loadable
     * @throws GatewayException 400 naming the field: {@code data} missing, empty or not base64, a
     *                          {@code media_type} that is not {@code image/*}, a malformed data URL, a wrong type
     */
    public ImageInput fromAnthropicSource(Fields.Field source) {
        String type = source.expect(Fields.Type.OBJECT).get("type").string();
        if ("base64".equals(type)) {
            Fields.Field dataField = source.get("data");
            String data = stripWhitespace(dataField.require(Fields.Type.STRING).node().textValue());
            if (data.isEmpty()) {
                throw dataField.failure("could not load image: empty base64 data");
            }
            requireBase64(data, dataField, "could not load image: invalid base64 data");
            Fields.Field mediaField = source.get("media_type");
            String mediaType = mediaField.string();
            if (mediaType == null || mediaType.isBlank()) {
                return new ImageInput(sniff(data), data, null);
            }
            return new ImageInput(requireImageType(mediaType.trim().toLowerCase(Locale.ROOT), mediaField), data,
                    null);
        }
        if ("url".equals(type)) {
            return fromUrl(source.get("url"));
        }
        return null;
    }

    /**
     * @param url a data URL, http(s) URL or local path
     * @return the image, or null for a blank URL
     * @throws GatewayException 400 naming the field: {@code could not load image: invalid data URL} (no comma),
     *                          {@code … empty data URL}, {@code … invalid base64 data in data URL},
     *                          {@code … unsupported media type 'X'} (not {@code image/*}), or a non-string value
     */
    public ImageInput fromUrl(Fields.Field url) {
        String value = url.string();
        if (value == null || value.isBlank()) {
            return null;
        }
        String trimmed = value.trim();
        if (trimmed.regionMatches(true, 0, "data:", 0, 5)) {
            return fromDataUrl(trimmed, url);
        }
        return new ImageInput(mediaTypeFromPath(trimmed), null, trimmed);
    }

    private static ImageInput fromDataUrl(String url, Fields.Field field) {
        int comma = url.indexOf(',');
        if (comma < 0) {
            throw field.failure("could not load image: invalid data URL");
        }
        String header = url.substring(5, comma);
        String payload = url.substring(comma + 1);
        String[] params = header.split(";");
        boolean base64 = false;
        for (int i = 1; i < params.length; i++) {
            base64 |= "base64".equalsIgnoreCase(params[i].trim());
        }
        String data;
        if (base64) {
            data = stripWhitespace(payload);
        } else {
            // RFC 2397 percent-encoded payload: decode to bytes, re-encode as base64
            byte[] bytes = URLDecoder.decode(payload.replace("+", "%2B"), StandardCharsets.ISO_8859_1)
                    .getBytes(StandardCharsets.ISO_8859_1);
            data = Base64.getEncoder().encodeToString(bytes);
        }
        if (data.isEmpty()) {
            throw field.failure("could not load image: empty data URL");
        }
        if (base64) {
            requireBase64(data, field, "could not load image: invalid base64 data in data URL");
        }
        String mediaType = params[0].trim().toLowerCase(Locale.ROOT);
        return new ImageInput(mediaType.isEmpty() ? sniff(data) : requireImageType(mediaType, field), data, null);
    }

    // the backends decode leniently (MIME decoder), so bad data would otherwise reach them as garbage or nothing
    private static void requireBase64(String data, Fields.Field field, String message) {
        try {
            Base64.getDecoder().decode(data);
        } catch (IllegalArgumentException e) {
            throw field.failure(message);
        }
    }

    private static String requireImageType(String mediaType, Fields.Field field) {
        if (!mediaType.startsWith("image/")) {
            throw field.failure("could not load image: unsupported media type '" + mediaType
                    + "' (expected an image/* type)");
        }
        return mediaType;
    }

    /**
     * @param path a URL or file path
     * @return {@code image/png}, {@code image/gif}, {@code image/webp}, {@code image/bmp} by extension, otherwise
     * {@code image/jpeg}
     */
    public static String mediaTypeFromPath(String path) {
        String p = path.toLowerCase(Locale.ROOT);
        int cut = indexOfAny(p, '?', '#');
        if (cut >= 0) {
            p = p.substring(0, cut);
        }
        if (p.endsWith(".png")) {
            return "image/png";
        }
        if (p.endsWith(".gif")) {
            return "image/gif";
        }
        if (p.endsWith(".webp")) {
            return "image/webp";
        }
        if (p.endsWith(".bmp")) {
            return "image/bmp";
        }
        return "image/jpeg";
    }

    // media type from the magic bytes, for data URLs and base64 sources that name none
    private static String sniff(String base64) {
        byte[] head;
        try {
            String prefix = base64.substring(0, Math.min(base64.length(), 16));
            head = Base64.getDecoder().decode(prefix.substring(0, prefix.length() - prefix.length() % 4));
        } catch (IllegalArgumentException e) {
            return "image/jpeg";
        }
        if (head.length >= 4 && (head[0] & 0xFF) == 0x89 && head[1] == 'P' && head[2] == 'N' && head[3] == 'G') {
            return "image/png";
        }
        if (head.length >= 3 && head[0] == 'G' && head[1] == 'I' && head[2] == 'F') {
            return "image/gif";
        }
        if (head.length >= 12 && head[0] == 'R' && head[1] == 'I' && head[8] == 'W' && head[9] == 'E') {
            return "image/webp";
        }
        if (head.length >= 2 && head[0] == 'B' && head[1] == 'M') {
            return "image/bmp";
        }
        return "image/jpeg";
    }

    private static int indexOfAny(String s, char a, char b) {
        int i = s.indexOf(a);
        int j = s.indexOf(b);
        return i < 0 ? j : j < 0 ? i : Math.min(i, j);
    }

    private static String stripWhitespace(String s) {
        boolean clean = true;
        for (int i = 0; i < s.length() && clean; i++) {
            clean = !Character.isWhitespace(s.charAt(i));
        }
        return clean ? s : s.replaceAll("\\s+", "");
    }
}
