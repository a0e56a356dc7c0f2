package io.lingma.gateway.api;

import io.lingma.gateway.chat.ImageInput;

import java.util.List;

/**
 * The result of extracting one {@code content} value (client-api.md §9.2).
 *
 * @param text     text without placeholders, non-empty pieces joined with {@code \n} (never null)
 * @param flatText text with {@code [image]}, {@code [audio]}, {@code [file]} placeholders at their positions
 * @param images   the images in order (never null)
 */
public record ExtractedContent(String text, String flatText, List<ImageInput> images) {

    /** Nothing at all. */
    public static final ExtractedContent EMPTY = new ExtractedContent("", "", List.of());

    public ExtractedContent {
        text = text == null ? "" : text;
        flatText = flatText == null ? text : flatText;
        images = images == null ? List.of() : List.copyOf(images);
    }

    /** @return true when there is neither text nor a placeholder nor an image */
    public boolean isEmpty() {
        return flatText.isEmpty() && images.isEmpty();
    }
}
