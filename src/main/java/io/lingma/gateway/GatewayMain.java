package io.lingma.gateway;

import io.lingma.gateway.config.GatewayCommandLine;
import org.apache.camel.main.Main;

/** Starts lingma-gateway: Camel Main with the gateway's property layering (README "Configuration"). */
public final class GatewayMain {

    private GatewayMain() {
    }

    /**
     * @param args {@code --gateway.key=value} overrides plus Camel Main's own options
     * @throws Exception when Camel fails to start
     */
    public static void main(String[] args) throws Exception {
        Main main = new Main(GatewayMain.class);
        main.setPropertyPlaceholderLocations(GatewayCommandLine.PROPERTY_LOCATIONS);
        System.exit(main.run(GatewayCommandLine.install(main, args)));
    }
}
