package io.lingma.gateway.lingma.remote;

import org.apache.camel.CamelContext;
import org.apache.camel.builder.TemplatedRouteBuilder;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * One route per model from the {@code lingma-remote-model} route template (routes/lingma-remote.camel.yaml): each
 * instance has its own circuit breaker, named after the model key. The configured fallback models get theirs at
 * start-up; any other requested model on its first request.
 */
public class RemoteModelRoutes {

    /** The route template's id. */
    public static final String TEMPLATE = "lingma-remote-model";

    private static final Pattern UNSAFE = Pattern.compile("[^A-Za-z0-9_.-]");

    private final CamelContext camel;
    private final Map<String, String> routes = new ConcurrentHashMap<>();

    /** @param camel the Camel context holding the template */
    public RemoteModelRoutes(CamelContext camel) {
        this.camel = camel;
    }

    /**
     * @param model a model key
     * @return the suffix of the model's {@code direct:lingma-remote-model-<suffix>} endpoint, its route created
     * from the template when it has none yet
     * @throws IllegalStateException when the template is missing or does not start (an edited route)
     */
    public String ensure(String model) {
        return routes.computeIfAbsent(model, this::create);
    }

    private String create(String model) {
        String suffix = UNSAFE.matcher(model).replaceAll("_");
        if (!suffix.equals(model)) {
            // keep two odd keys that read alike apart
            suffix = suffix + "-" + Integer.toHexString(model.hashCode());
        }
        try {
            TemplatedRouteBuilder.builder(camel, TEMPLATE).routeId(TEMPLATE + "-" + suffix).prefixId("")
                    .parameter("model", model).parameter("route", suffix).add();
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot create the route of model " + model + " from template "
                    + TEMPLATE + ": " + e.getMessage(), e);
        }
        return suffix;
    }
}
