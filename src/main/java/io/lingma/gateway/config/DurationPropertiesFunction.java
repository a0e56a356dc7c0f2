package io.lingma.gateway.config;

import org.apache.camel.spi.PropertiesFunction;
import org.apache.camel.util.TimeUtils;

/**
 * A property placeholder function that turns a gateway duration setting ({@code 500ms}, {@code 2s}, {@code 1m}) into
 * the plain number a Camel EIP option takes: {@code {{millis:gateway.remote.busy-retry-delay}}} gives milliseconds. Camel finds it
 * by name under {@code META-INF/services/org/apache/camel/properties-function/}, so a route keeps the setting's own
 * key and an operator edits one value.
 */
public abstract class DurationPropertiesFunction implements PropertiesFunction {

    /** The placeholder's remainder is a property key: Camel resolves it first and passes its value. */
    @Override
    public boolean lookupFirst(String remainder) {
        return true;
    }

    /**
     * @param value the setting's value, e.g. {@code 2s}
     * @return the number in this function's unit
     * @throws IllegalArgumentException when the value is not a duration
     */
    @Override
    public String apply(String value) {
        return String.valueOf(convert(TimeUtils.toMilliSeconds(value.trim())));
    }

    /**
     * @param millis the duration in milliseconds
     * @return it in this function's unit
     */
    abstract long convert(long millis);

    /** {@code {{millis:key}}}: the duration in milliseconds. */
    public static final class Millis extends DurationPropertiesFunction {
        @Override
        public String getName() {
            return "millis";
        }

        @Override
        long convert(long millis) {
            return millis;
        }
    }
}
