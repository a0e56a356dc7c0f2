package io.lingma.gateway.api;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Locale;

/**
 * Reasoning-effort sources (client-api.md §9.7). The internal effort is {@code low}, {@code medium}, {@code high},
 * or null when reasoning was not requested.
 */
public final class ReasoningEfforts {

    private ReasoningEfforts() {
    }

    /**
     * Normalises an explicit effort word: {@code minimal}/{@code low} → low, {@code medium} → medium,
     * {@code high}/{@code xhigh}/{@code max} → high, {@code none}/blank → off; any other word → medium.
     *
     * @param effort the client's value (may be null)
     * @return the internal effort or null
     */
    public static String normalize(String effort) {
        if (effort == null) {
            return null;
        }
        return switch (effort.trim().toLowerCase(Locale.ROOT)) {
            case "", "none", "off", "disabled" -> null;
            case "minimal", "low" -> "low";
            case "high", "xhigh", "max" -> "high";
            default -> "medium";
        };
    }

    /**
     * Anthropic {@code thinking} (client-api.md §9.7, vectors 6 and 7): for type {@code ""}, {@code enabled} or
     * {@code adaptive} an explicit effort wins ({@code thinking.effort}, else
     * {@code output_config.effort}); otherwise {@code budget_tokens} ≥ 4096 → high,
     * 0 &lt; budget &lt; 1024 → low, anything else (incl. absent) → medium. {@code disabled}, other types and an absent {@code thinking} → off.
     *
     * @param thinking     the {@code thinking} object (may be null)
     * @param outputConfig the {@code output_config} object (may be null)
     * @return the internal effort or null
     */
    public static String fromAnthropic(JsonNode thinking, JsonNode outputConfig) {
        if (thinking == null || !thinking.isObject()) {
            return null;
        }
        String type = thinking.path("type").asText("").trim();
        if (!type.isEmpty() && !type.equals("enabled") && !type.equals("adaptive")) {
            return null;
        }
        for (JsonNode explicit : new JsonNode[]{thinking.get("effort"),
                outputConfig == null ? null : outputConfig.get("effort")}) {
            if (explicit != null && explicit.isTextual() && !explicit.textValue().isBlank()) {
                String effort = normalize(explicit.textValue());
                // "none" as an explicit effort still asked for thinking blocks; keep the mildest level
                return effort == null ? "low" : effort;
            }
        }
        JsonNode budget = thinking.get("budget_tokens");
        if (budget != null && budget.isNumber()) {
            long tokens = budget.asLong();
            if (tokens >= 4096) {
                return "high";
            }
            if (tokens > 0 && tokens < 1024) {
                return "low";
            }
        }
        return "medium";
    }
}
