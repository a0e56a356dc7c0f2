package io.lingma.gateway.config;

import io.lingma.gateway.tools.ToolSettings;

import java.util.Arrays;
import java.util.stream.Collectors;

/** Reads {@link ToolSettings} from the {@code gateway.tools.*} properties (client-api.md §10, §15). */
final class ToolSettingsFactory {

    private static final String PARSER_NAMES = Arrays.stream(ToolSettings.Parser.values())
            .map(ToolSettings.Parser::configName).collect(Collectors.joining(", ", "comma-separated names of ", ""));

    private ToolSettingsFactory() {
    }

    /**
     * @param props the gateway properties (defaults: application.properties)
     * @return the tool-emulation settings
     * @throws InvalidSettingException for a missing or invalid value (fatal at start)
     */
    static ToolSettings from(GatewayProperties props) {
        String refusal = props.string("gateway.tools.refusal-phrases");
        String missed = props.string("gateway.tools.missed-tool-phrases");
        return new ToolSettings(props.parsed("gateway.tools.parsers", ToolSettings.Parser::parseList, PARSER_NAMES),
                props.integer("gateway.tools.max-calls", 1),
                props.bytes("gateway.tools.max-scan-bytes", 0, Long.MAX_VALUE),
                props.integer("gateway.tools.holdback-chars", 0),
                props.bool("gateway.tools.rekey-single-argument"),
                props.bool("gateway.tools.infer-memory-command"),
                props.bool("gateway.tools.hold-text-when-forced"),
                // empty = the built-in lists of client-api.md §10.8 (ToolSettings.DEFAULT_*_PHRASES)
                refusal.isEmpty() ? null : ToolSettings.parsePhrases(refusal),
                missed.isEmpty() ? null : ToolSettings.parsePhrases(missed),
                props.bool("gateway.tools.aggregate-stream"));
    }
}
