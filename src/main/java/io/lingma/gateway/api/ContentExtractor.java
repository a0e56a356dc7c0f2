package io.lingma.gateway.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.lingma.gateway.chat.ImageInput;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Text and image extraction from any {@code content} value of the three client APIs (client-api.md §9.2, §9.6):
 * <ul>
 *   <li>a string is trimmed;</li>
 *   <li>an array is processed part by part; non-empty results are joined with {@code \n};</li>
 *   <li>from an object part the first non-empty of {@code text}, {@code input_text}, {@code output_text} or the
 *       nested {@code content} is taken;</li>
 *   <li>image parts ({@code image_url}, {@code input_image}, Anthropic {@code image}) add an image and the
 *       placeholder {@code [image]}; audio parts add {@code [audio]}; file/document parts add {@code [file]};
 *       {@code refusal}, thinking and tool blocks add nothing.</li>
 * </ul>
 * Any other value (a number, a boolean, a nested array) is a 400 naming its field ({@link Fields}).
 * Thread-safe.
 */
public final class ContentExtractor {

    /** Placeholder for an image in {@code flatText}. */
    public static final String IMAGE = "[image]";
    /** Placeholder for audio in {@code flatText}. */
    public static final String AUDIO = "[audio]";
    /** Placeholder for a file or document in {@code flatText}. */
    public static final String FILE = "[file]";

    // parts that are handled by the message-level normalisers or carry nothing the model should see as content
    private static final Set<String> SKIPPED = Set.of("refusal", "thinking", "redacted_thinking", "tool_use",
            "tool_result", "server_tool_use", "web_search_tool_result", "function_call", "function_call_output",
            "reasoning");

    private final ImageSources images;

    /** @param images the image-source parser */
    public ContentExtractor(ImageSources images) {
        this.images = images;
    }

    /**
     * @param content a {@code content} value: a string, an array of parts (objects or strings), a single part
     *                object, or absent
     * @return the extracted text, placeholder text and images
     * @throws io.lingma.gateway.error.GatewayException 400 naming the field for a value or part of another type
     *                                                  and for a malformed image ({@code could not load image: …})
     */
    public ExtractedContent extract(Fields.Field content) {
        Pieces pieces = new Pieces();
        collect(content, pieces);
        return pieces.result();
    }

    /**
     * Adds the pieces of {@code content} to an accumulator; used by normalisers that walk blocks themselves.
     *
     * @param content a content value or a single part
     * @param pieces  the accumulator
     * @throws io.lingma.gateway.error.GatewayException as {@link #extract}
     */
    public void collect(Fields.Field content, Pieces pieces) {
        if (content.expect(Fields.Type.STRING, Fields.Type.ARRAY, Fields.Type.OBJECT).isAbsent()) {
            return;
        }
        JsonNode node = content.node();
        if (node.isTextual()) {
            pieces.text(node.textValue());
        } else if (node.isArray()) {
            for (Fields.Field part : content.items()) {
                // a bare string part is read as text; nested arrays and scalars are not content
                collect(part.require(Fields.Type.STRING, Fields.Type.OBJECT), pieces);
            }
        } else {
            part(content, pieces);
        }
    }

    private void part(Fields.Field part, Pieces pieces) {
        String type = part.node().path("type").asText("");
        switch (type) {
            case "image_url", "input_image" -> {
                ImageInput image = images.fromOpenAiPart(part);
                if (image != null) {
                    pieces.image(image);
                } else {
                    pieces.placeholder(IMAGE);
                }
            }
            case "image" -> {
                ImageInput image = images.fromAnthropicSource(part.get("source"));
                if (image != null) {
                    pieces.image(image);
                } else {
                    pieces.placeholder(IMAGE);
                }
            }
            case "input_audio", "audio" -> pieces.placeholder(AUDIO);
            case "file", "input_file", "document" -> pieces.placeholder(FILE);
            default -> {
                if (SKIPPED.contains(type)) {
                    return;
                }
                for (String field : new String[]{"text", "input_text", "output_text"}) {
                    JsonNode value = part.node().get(field);
                    if (value != null && value.isTextual() && !value.textValue().isBlank()) {
                        pieces.text(value.textValue());
                        return;
                    }
                }
                Fields.Field nested = part.get("content");
                if (!nested.isAbsent()) {
                    collect(nested, pieces);
                }
            }
        }
    }

    /** An accumulator of text pieces, placeholders and images in order. Not thread-safe. */
    public static final class Pieces {
        private final List<String> text = new ArrayList<>();
        private final List<String> flat = new ArrayList<>();
        private final List<ImageInput> images = new ArrayList<>();

        /** @param value text to add (trimmed; ignored when empty) */
        public void text(String value) {
            String trimmed = value == null ? "" : value.strip();
            if (!trimmed.isEmpty()) {
                text.add(trimmed);
                flat.add(trimmed);
            }
        }

        /** @param placeholder a placeholder that goes into {@code flatText} only */
        public void placeholder(String placeholder) {
            flat.add(placeholder);
        }

        /** @param image an image; adds {@code [image]} to {@code flatText} */
        public void image(ImageInput image) {
            images.add(image);
            flat.add(IMAGE);
        }

        /** @return the joined result */
        public ExtractedContent result() {
            return new ExtractedContent(join(text), join(flat), images);
        }

        /** One piece is returned as is: a huge text part is then held once, not once per joined copy. */
        private static String join(List<String> pieces) {
            return pieces.size() == 1 ? pieces.get(0) : String.join("\n", pieces);
        }
    }
}
