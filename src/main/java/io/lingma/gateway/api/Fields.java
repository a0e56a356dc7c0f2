package io.lingma.gateway.api;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/**
 * Lenient readers for request fields (client-api.md §2.4): a field of the wrong type is treated as absent instead
 * of failing the request.
 */
public final class Fields {

    private Fields() {
    }

    /**
     * @param node a field value (may be null)
     * @return its text when it is a string, else null
     */
    public static String text(JsonNode node) {
        return node != null && node.isTextual() ? node.textValue() : null;
    }

    /**
     * @param node a field value (may be null)
     * @return true only for JSON {@code true}
     */
    public static boolean isTrue(JsonNode node) {
        return node != null && node.isBoolean() && node.booleanValue();
    }

    /**
     * @param node a field value (may be null)
     * @return true only for JSON {@code false}
     */
    public static boolean isFalse(JsonNode node) {
        return node != null && node.isBoolean() && !node.booleanValue();
    }

    /**
     * @param node a field value (may be null)
     * @return the number as a double, or null when it is not a number
     */
    public static Double number(JsonNode node) {
        return node != null && node.isNumber() ? node.doubleValue() : null;
    }

    /**
     * @param node a field value (may be null)
     * @return the integral number clamped to int, or null when it is not a number
     */
    public static Integer integer(JsonNode node) {
        if (node == null || !node.isNumber()) {
            return null;
        }
        double value = node.doubleValue();
        return value >= Integer.MAX_VALUE ? Integer.MAX_VALUE : value <= Integer.MIN_VALUE ? Integer.MIN_VALUE
                : (int) value;
    }

    /**
     * Stop sequences: a string or an array of strings; empty strings dropped.
     *
     * @param node {@code stop} / {@code stop_sequences} (may be null)
     * @return the sequences in order
     */
    public static List<String> strings(JsonNode node) {
        List<String> out = new ArrayList<>();
        if (node != null && node.isTextual()) {
            if (!node.textValue().isEmpty()) {
                out.add(node.textValue());
            }
        } else if (node != null && node.isArray()) {
            for (JsonNode item : node) {
                if (item.isTextual() && !item.textValue().isEmpty()) {
                    out.add(item.textValue());
                }
            }
        }
        return out;
    }
}
