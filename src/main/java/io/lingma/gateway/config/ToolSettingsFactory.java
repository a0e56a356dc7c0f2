package io.lingma.gateway.config;

import io.lingma.gateway.tools.ToolSettings;

/** Reads {@link ToolSettings} from the {@code gateway.tools.*} properties (client-api.md §10, §15). */
final class ToolSettingsFactory {

    private ToolSettingsFactory() {
    }

    /**
     * @param props the gateway properties
     * @return the tool-emulation settings; unset keys keep {@link ToolSettings#defaults()}
     * @throws IllegalArgumentException for an unknown parser name (fatal at start)
     */
    static ToolSettings from(GatewayProperties props) {
        ToolSettings d = ToolSettings.defaults();
        String parsers = props.string("gateway.tools.parsers", "");
        String refusal = props.string("gateway.tools.refusal-phrases", "");
        String missed = props.string("gateway.tools.missed-tool-phrases", "");
        return new ToolSettings(parsers.isEmpty() ? d.parsers() : ToolSettings.Parser.parseList(parsers),
                props.integer("gateway.tools.max-calls", d.maxCalls()),
                props.bytes("gateway.tools.max-scan-bytes", d.maxScanBytes()),
                props.integer("gateway.tools.holdback-chars", d.holdbackChars()),
                props.bool("gateway.tools.rekey-single-argument", d.rekeySingleArgument()),
                props.bool("gateway.tools.infer-memory-command", d.inferMemoryCommand()),
                props.bool("gateway.tools.hold-text-when-forced", d.holdTextWhenForced()),
                refusal.isEmpty() ? d.refusalPhrases() : ToolSettings.parsePhrases(refusal),
                missed.isEmpty() ? d.missedToolPhrases() : ToolSettings.parsePhrases(missed),
                props.bool("gateway.tools.aggregate-stream", d.aggregateStream()));
    }
}
