package io.lingma.gateway.ledger;

import io.lingma.gateway.error.ErrorKind;
import io.lingma.gateway.error.GatewayException;
import io.netty.handler.codec.http.QueryStringDecoder;
import org.apache.camel.Exchange;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code GET /internal/usage?from=…&to=…&group=key,model,day} (issue 10 §2): builds the grouped SELECT the
 * {@code sql:} endpoint runs and renders its rows as JSON. {@code from} / {@code to} are ISO dates (UTC day start) or
 * instants, {@code from} inclusive, {@code to} exclusive; by default the last 30 days up to now. {@code group} is any
 * of {@code key}, {@code model}, {@code api}, {@code day} (UTC days), by default {@code key,model,day}.
 */
public class UsageQuery {

    private static final long DAY_MS = 86_400_000L;
    private static final Map<String, String> GROUPS = Map.of(
            "key", "key_name",
            "model", "COALESCE(model_used, model_requested, '-')",
            "api", "api",
            "day", "at_ms / " + DAY_MS);
    private static final List<String> SUMS = List.of("requests", "errors", "tokens_in", "tokens_out", "duration_ms");

    private final Duration retention;
    private final boolean enabled;

    /**
     * @param enabled   {@code gateway.ledger.enabled}
     * @param retention {@code gateway.ledger.retention}: rows older than this are deleted
     */
    public UsageQuery(boolean enabled, Duration retention) {
        this.enabled = enabled;
        this.retention = retention;
    }

    /**
     * Sets the {@code CamelSqlQuery} header and the named parameters ({@code from}, {@code to}, epoch ms) in the body.
     *
     * @param exchange the REST exchange
     * @throws GatewayException 400 for an unknown group or an unreadable date; 503 when the ledger is off
     */
    public void prepare(Exchange exchange) {
        if (!enabled) {
            throw new GatewayException(ErrorKind.BACKEND_UNSUPPORTED,
                    "the usage ledger is off (gateway.ledger.enabled=false)");
        }
        Map<String, List<String>> query = new QueryStringDecoder(
                "?" + exchange.getIn().getHeader(Exchange.HTTP_RAW_QUERY, "", String.class)).parameters();
        Instant now = Instant.now();
        Instant to = instant(query, "to", now);
        Instant from = instant(query, "from", to.minus(Duration.ofDays(30)));
        List<String> groups = new ArrayList<>();
        for (String g : first(query, "group", "key,model,day").split(",")) {
            String name = g.trim().toLowerCase(Locale.ROOT);
            if (name.isEmpty() || groups.contains(name)) {
                continue;
            }
            if (!GROUPS.containsKey(name)) {
                throw new GatewayException(ErrorKind.INVALID_REQUEST,
                        "unknown group '" + g.trim() + "': use key, model, api or day");
            }
            groups.add(name);
        }
        StringBuilder sql = new StringBuilder("SELECT ");
        for (String g : groups) {
            sql.append(GROUPS.get(g)).append(" AS g_").append(g).append(", ");
        }
        sql.append("COUNT(*) AS requests, SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END) AS errors, ")
                .append("SUM(tokens_in) AS tokens_in, SUM(tokens_out) AS tokens_out, SUM(duration_ms) AS duration_ms")
                .append(" FROM usage_ledger WHERE at_ms >= :#from AND at_ms < :#to");
        if (!groups.isEmpty()) {
            // the expressions themselves: H2 does not group by select-list positions of expressions
            String by = String.join(", ", groups.stream().map(GROUPS::get).toList());
            sql.append(" GROUP BY ").append(by).append(" ORDER BY ").append(by);
        }
        exchange.getIn().setHeader("CamelSqlQuery", sql.toString());
        exchange.setProperty("gatewayUsageQuery", Map.of("from", from, "to", to, "groups", groups));
        exchange.getIn().setBody(Map.of("from", from.toEpochMilli(), "to", to.toEpochMilli()));
    }

    /**
     * @param exchange the exchange after the SELECT (body: a list of column maps)
     * @return {@code {"from","to","group":[…],"rows":[{"key","model","api","day",…,"requests","errors","tokens_in",
     *         "tokens_out","duration_ms"}],"totals":{…}}}
     */
    @SuppressWarnings("unchecked")
    public Map<String, Object> render(Exchange exchange) {
        Map<String, Object> q = exchange.getProperty("gatewayUsageQuery", Map.class);
        List<String> groups = (List<String>) q.get("groups");
        Map<String, Long> totals = new LinkedHashMap<>();
        SUMS.forEach(s -> totals.put(s, 0L));
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Map<String, Object> raw : (List<Map<String, Object>>) exchange.getIn().getBody(List.class)) {
            Map<String, Object> lower = new LinkedHashMap<>();
            // H2 reports column labels in upper case, PostgreSQL in lower case
            raw.forEach((k, v) -> lower.put(k.toLowerCase(Locale.ROOT), v));
            Map<String, Object> row = new LinkedHashMap<>();
            for (String g : groups) {
                Object v = lower.get("g_" + g);
                row.put(g, "day".equals(g) && v instanceof Number n
                        ? LocalDate.ofEpochDay(n.longValue()).toString() : v);
            }
            for (String s : SUMS) {
                long n = lower.get(s) instanceof Number num ? num.longValue() : 0L;
                row.put(s, n);
                totals.merge(s, n, Long::sum);
            }
            if ((Long) row.get("requests") > 0) {
                rows.add(row);
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("from", q.get("from").toString());
        out.put("to", q.get("to").toString());
        out.put("group", groups);
        out.put("rows", rows);
        out.put("totals", totals);
        return out;
    }

    /** @return the named parameter {@code cutoff}: rows finished before it are past the retention */
    public Map<String, Object> retentionCutoff() {
        return Map.of("cutoff", Instant.now().minus(retention).toEpochMilli());
    }

    private static Instant instant(Map<String, List<String>> query, String name, Instant def) {
        String v = first(query, name, "");
        if (v.isBlank()) {
            return def;
        }
        try {
            return v.length() == 10 ? LocalDate.parse(v).atStartOfDay(ZoneOffset.UTC).toInstant() : Instant.parse(v);
        } catch (DateTimeParseException e) {
            throw new GatewayException(ErrorKind.INVALID_REQUEST,
                    "'" + name + "' must be a date (2026-01-31) or an instant (2026-01-31T12:00:00Z)");
        }
    }

    private static String first(Map<String, List<String>> query, String name, String def) {
        List<String> v = query.get(name);
        return v == null || v.isEmpty() ? def : v.get(0);
    }
}
