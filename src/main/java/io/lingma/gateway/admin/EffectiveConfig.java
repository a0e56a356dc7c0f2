package io.lingma.gateway.admin;

import io.lingma.gateway.service.ModelCatalog;
import org.apache.camel.CamelContext;
import org.apache.camel.component.properties.PropertiesComponent;
import org.apache.camel.util.SensitiveUtils;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * {@code GET /internal/effective-config} (issue 9 §3, client-api.md §8.5): every {@code gateway.*} and
 * {@code camel.*} setting with the value in force and where it came from — {@code default} (the packaged
 * application.properties), {@code file} (a properties file that changed it), {@code env} (an environment variable),
 * {@code command-line} ({@code --key=value}, or properties a test or embedding set), {@code runtime} (changed
 * through the admin API) — with secrets masked as {@code xxxxxx}. The source is what Camel's properties component
 * reports for the lookup ({@link org.apache.camel.PropertiesLookupListener}).
 */
public class EffectiveConfig {

    /** What a secret value is shown as (as in Camel's start-up summary). */
    public static final String MASK = "xxxxxx";
    private static final List<String> SECRET_WORDS = List.of("key", "token", "secret", "password", "cosy", "machine",
            "user-info", "userinfo", "ws-headers", "headers", "credential");
    /** Keys that contain a secret word but hold no secret. */
    private static final Set<String> NOT_SECRET = Set.of("gateway.tokens.exact-count-chars",
            "gateway.auth.keys-file", "gateway.auth.keys-file-check-interval", "gateway.ipc.machine-token-file",
            "gateway.remote.forward-max-tokens", "gateway.remote.max-tokens-cap");

    private final CamelContext context;
    private final ModelCatalog catalog;
    private final Properties packaged;
    private final ThreadLocal<Map<String, String>> sources = new ThreadLocal<>();
    private volatile boolean listening;

    /**
     * @param context the Camel context whose properties component holds the layers
     * @param catalog the model catalogue (its runtime default model)
     */
    public EffectiveConfig(CamelContext context, ModelCatalog catalog) {
        this.context = context;
        this.catalog = catalog;
        this.packaged = packagedDefaults();
    }

    private static Properties packagedDefaults() {
        Properties p = new Properties();
        try (InputStream in = EffectiveConfig.class.getResourceAsStream("/application.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // no packaged copy: every file value counts as "file"
        }
        return p;
    }

    /**
     * @return {@code {"ok":true,"settings":{"<key>":{"value":"…","source":"…"}}}} with source {@code default},
     * {@code file}, {@code env}, {@code command-line} or {@code runtime}; keys sorted, secret values masked
     */
    public Map<String, Object> document() {
        PropertiesComponent pc = (PropertiesComponent) context.getPropertiesComponent();
        listen(pc);
        Set<String> keys = new TreeSet<>();
        pc.loadProperties(k -> k.startsWith("gateway.") || k.startsWith("camel.")).stringPropertyNames()
                .forEach(keys::add);
        addKeys(keys, pc.getOverrideProperties());
        addKeys(keys, pc.getInitialProperties());
        Set<String> extraSensitive = sensitiveWords(pc);
        Map<String, Object> settings = new TreeMap<>();
        Map<String, String> seen = new LinkedHashMap<>();
        sources.set(seen);
        try {
            for (String key : keys) {
                seen.clear();
                String value;
                try {
                    value = pc.resolveProperty(key).orElse("");
                } catch (RuntimeException e) {
                    value = "(unresolvable)";
                }
                String source = source(key, value, seen.get(key));
                if (key.equals("gateway.default-model") && catalog.defaultChanged()) {
                    value = catalog.defaultModelName();
                    source = "runtime";
                }
                Map<String, Object> setting = new LinkedHashMap<>();
                setting.put("value", secret(key, extraSensitive) && !value.isEmpty() ? MASK : value);
                setting.put("source", source);
                settings.put(key, setting);
            }
        } finally {
            sources.remove();
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("ok", true);
        doc.put("settings", settings);
        return doc;
    }

    private synchronized void listen(PropertiesComponent pc) {
        if (!listening) {
            listening = true;
            pc.addPropertiesLookupListener((name, value, defaultValue, source) -> {
                Map<String, String> seen = sources.get();
                if (seen != null && source != null) {
                    seen.putIfAbsent(name, source);
                }
            });
        }
    }

    private static void addKeys(Set<String> keys, Properties props) {
        if (props != null) {
            props.stringPropertyNames().stream().filter(k -> k.startsWith("gateway.") || k.startsWith("camel."))
                    .forEach(keys::add);
        }
    }

    private String source(String key, String value, String camelSource) {
        String s = camelSource == null ? "" : camelSource;
        if (s.equals("ENV") || s.startsWith("env")) {
            return "env";
        }
        if (s.equals("OverrideProperties") || s.equals("InitialProperties")) {
            return "command-line";
        }
        if (s.startsWith("file:") || s.startsWith("classpath:") || s.startsWith("ref:")) {
            // the working directory's file only counts as a source where it differs from the packaged defaults
            String def = packaged.getProperty(key);
            return def != null && def.trim().equals(value) ? "default" : "file";
        }
        return s.isEmpty() ? "default" : s.toLowerCase(Locale.ROOT);
    }

    private static Set<String> sensitiveWords(PropertiesComponent pc) {
        Set<String> words = new TreeSet<>();
        pc.resolveProperty("camel.main.additional-sensitive-keywords").ifPresent(v -> {
            for (String w : v.split(",")) {
                if (!w.isBlank()) {
                    words.add(w.trim().toLowerCase(Locale.ROOT));
                }
            }
        });
        return words;
    }

    /**
     * @param key            a setting key
     * @param extraSensitive {@code camel.main.additional-sensitive-keywords}
     * @return whether its value is masked
     */
    static boolean secret(String key, Set<String> extraSensitive) {
        String k = key.toLowerCase(Locale.ROOT);
        if (NOT_SECRET.contains(k) || k.equals("camel.main.additional-sensitive-keywords")) {
            return false;
        }
        String last = k.substring(k.lastIndexOf('.') + 1).replace("-", "");
        if (SensitiveUtils.containsSensitive(last) || extraSensitive.contains(last)) {
            return true;
        }
        return SECRET_WORDS.stream().anyMatch(k::contains);
    }
}
