package io.lingma.gateway.observe;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** gateway.log.format / .level / .access applied to log4j2 in place (issue 9 §2). */
class LogSettingsTest {

    private static LoggerContext context() {
        return (LoggerContext) LogManager.getContext(false);
    }

    @AfterEach
    void reloadTheFile() {
        context().reconfigure();
    }

    @Test
    void jsonSwapsTheConsoleAppenderForTheJsonLayout() {
        LogSettings.apply("json", "", true);
        LoggerConfig root = context().getConfiguration().getRootLogger();
        assertThat(root.getAppenders()).containsKey("json").doesNotContainKey("console");
        assertThat(root.getAppenders().get("json").getLayout().getClass().getSimpleName())
                .isEqualTo("JsonTemplateLayout");
    }

    @Test
    void textKeepsTheFileAndLevelAndAccessApply() {
        LogSettings.apply("text", "warn", false);
        LoggerConfig root = context().getConfiguration().getRootLogger();
        assertThat(root.getAppenders()).containsKey("console").doesNotContainKey("json");
        assertThat(LogManager.getRootLogger().getLevel()).isEqualTo(Level.WARN);
        assertThat(LogManager.getLogger(LogSettings.ACCESS_LOGGER).getLevel()).isEqualTo(Level.OFF);
    }

    @Test
    void unknownFormatOrLevelIsRefused() {
        assertThatThrownBy(() -> LogSettings.apply("xml", "", true)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("gateway.log.format");
        assertThatThrownBy(() -> LogSettings.apply("text", "loud", true)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("gateway.log.level");
    }
}
