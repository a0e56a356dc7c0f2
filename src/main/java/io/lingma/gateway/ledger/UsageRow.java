package io.lingma.gateway.ledger;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One finished request as the usage ledger stores it (issue 10 §2).
 *
 * @param atMillis       when the request finished, epoch milliseconds (UTC)
 * @param keyName        the caller's API key name ({@code -} when anonymous), never the key
 * @param api            the client API ({@code openai_chat}, {@code anthropic_messages}, {@code openai_responses})
 * @param modelRequested the model the client asked for, or null when the request never got that far
 * @param modelUsed      the model that answered, or null when none did
 * @param status         the HTTP status the client got (499 when it hung up)
 * @param tokensIn       prompt tokens (upstream-reported or estimated), 0 without an answer
 * @param tokensOut      completion tokens, 0 without an answer
 * @param durationMs     from the request's start to its end, milliseconds
 * @param ttftMs         from the request's start to the first content (as on the access line), milliseconds, or null
 */
public record UsageRow(long atMillis, String keyName, String api, String modelRequested, String modelUsed,
                       int status, long tokensIn, long tokensOut, long durationMs, Long ttftMs) {

    /** @return the row as the named parameters of the ledger's INSERT ({@code :#name}) */
    public Map<String, Object> parameters() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("at", atMillis);
        p.put("keyName", keyName);
        p.put("api", api);
        p.put("modelRequested", modelRequested);
        p.put("modelUsed", modelUsed);
        p.put("status", status);
        p.put("tokensIn", tokensIn);
        p.put("tokensOut", tokensOut);
        p.put("durationMs", durationMs);
        p.put("ttftMs", ttftMs);
        return p;
    }
}
