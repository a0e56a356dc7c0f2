package io.lingma.gateway;

import io.lingma.gateway.config.GatewayCommandLine;
import io.lingma.gateway.config.InvalidSettingException;
import org.apache.camel.main.Main;
import org.slf4j.LoggerFactory;

/** Starts lingma-gateway: Camel Main with the gateway's property layering (README "Configuration"). */
public final class GatewayMain {

    private GatewayMain() {
    }

    /**
     * Runs the gateway until it is stopped. The process exits with status 1 when the gateway cannot start (e.g. its
     * port is in use), so that a supervisor sees the failure; a wrong setting is reported as one line on stderr
     * naming the key and the accepted values.
     *
     * @param args {@code --gateway.key=value} overrides plus Camel Main's own options
     */
    public static void main(String[] args) {
        Main main = new Main(GatewayMain.class);
        main.setPropertyPlaceholderLocations(GatewayCommandLine.PROPERTY_LOCATIONS);
        int status;
        try {
            status = main.run(GatewayCommandLine.install(main, args));
        } catch (Exception e) {
            // exit at once: threads started before the failure must not keep a gateway that serves nothing alive
            InvalidSettingException invalid = invalidSetting(e);
            if (invalid != null) {
                System.err.println("lingma-gateway did not start: " + invalid.getMessage());
            } else {
                LoggerFactory.getLogger(GatewayMain.class).error("lingma-gateway did not start: {}",
                        e.getMessage() != null ? e.getMessage() : e.toString());
            }
            status = 1;
        }
        System.exit(status);
    }

    /** Camel wraps what a bean factory throws; the setting at fault is somewhere in the cause chain. */
    private static InvalidSettingException invalidSetting(Throwable e) {
        for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof InvalidSettingException invalid) {
                return invalid;
            }
        }
        return null;
    }
}
