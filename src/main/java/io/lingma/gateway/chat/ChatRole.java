package io.lingma.gateway.chat;

/** Role of an internal message; system text is hoisted out of the flow (client-api.md §9.1). */
public enum ChatRole {
    USER, ASSISTANT, TOOL;

    /** @return the lower-case wire name ({@code user}, {@code assistant}, {@code tool}) */
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
