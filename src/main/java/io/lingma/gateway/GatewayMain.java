package io.lingma.gateway;

import io.lingma.gateway.config.GatewayCommandLine;
import org.apache.camel.main.Main;
import org.slf4j.LoggerFactory;

/** Starts lingma-gateway: Camel Main with the gateway's property layering (README "Configuration"). */
public final class GatewayMain {

    private GatewayMain() {
    }

    /**
     * Runs the gateway until it is stopped. The process exits with status 1 when the gateway cannot start (e.g. its
     * port is in use), so that a supervisor sees the failure.
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
            LoggerFactory.getLogger(GatewayMain.class).error("lingma-gateway did not start: {}",
                    e.getMessage() != null ? e.getMessage() : e.toString());
            status = 1;
        }
        System.exit(status);
    }
}
