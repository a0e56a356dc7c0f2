package io.lingma.gateway.config;

import org.apache.camel.component.properties.PropertiesComponent;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainListenerSupport;

import java.util.ArrayList;
import java.util.List;

/**
 * Configuration layering for the runnable jar: {@code application.properties} (packaged copy, then the working
 * directory's) → environment variables → command-line arguments, later wins (issue: "Configuration").
 *
 * <p>Camel's own environment override would beat command-line properties, so it is switched to fallback and
 * {@link EnvironmentPropertiesSource} is installed as the highest-priority source instead; {@code --key=value}
 * arguments become Camel override properties, which rank above every source.
 */
public final class GatewayCommandLine {

    /** Packaged defaults first, then the operator's file in the working directory. */
    public static final String PROPERTY_LOCATIONS =
            "classpath:application.properties;optional=true,file:application.properties;optional=true";

    private GatewayCommandLine() {
    }

    /**
     * Registers the property layering on {@code main} and takes the {@code --key=value} arguments.
     *
     * @param main the Camel Main about to run
     * @param args the process arguments
     * @return the arguments Camel Main should still parse (its own options such as {@code -h})
     */
    public static String[] install(Main main, String[] args) {
        return install(main, args, System.getenv());
    }

    /**
     * As {@link #install(Main, String[])} with an explicit environment.
     *
     * @param main the Camel Main about to run
     * @param args the process arguments
     * @param env  the environment variables to layer above the property files
     * @return the arguments Camel Main should still parse
     */
    public static String[] install(Main main, String[] args, java.util.Map<String, String> env) {
        List<String> rest = new ArrayList<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 2) {
                main.addOverrideProperty(arg.substring(2, eq), arg.substring(eq + 1));
            } else {
                rest.add(arg);
            }
        }
        main.addMainListener(new MainListenerSupport() {
            @Override
            public void beforeInitialize(BaseMainSupport support) {
                layer((PropertiesComponent) support.getCamelContext().getPropertiesComponent(), env);
            }
        });
        if (!java.nio.file.Files.isDirectory(java.nio.file.Path.of("routes"))) {
            // no operator copy of the routes in the working directory: use the ones packaged in the jar
            main.addOverrideProperty("camel.main.routes-include-pattern", "classpath:routes/*.camel.yaml");
        }
        return rest.toArray(String[]::new);
    }

    /**
     * Puts environment variables between the property files and the command line.
     *
     * @param pc  the properties component to set up
     * @param env the environment variables
     */
    public static void layer(PropertiesComponent pc, java.util.Map<String, String> env) {
        pc.setEnvironmentVariableMode(PropertiesComponent.ENVIRONMENT_VARIABLES_MODE_FALLBACK);
        pc.addPropertiesSource(new EnvironmentPropertiesSource(env));
    }
}
