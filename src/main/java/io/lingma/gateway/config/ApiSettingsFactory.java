package io.lingma.gateway.config;

import io.lingma.gateway.api.ApiSettings;

/** Reads {@link ApiSettings} from the gateway properties (keys in client-api.md §15). */
final class ApiSettingsFactory {

    private ApiSettingsFactory() {
    }

    /**
     * @param props the gateway properties
     * @return the client-API settings
     * @throws IllegalArgumentException for invalid values (fatal at start)
     */
    static ApiSettings from(GatewayProperties props) {
        return new ApiSettings(props.string("gateway.default-model", ""),
                props.bool("gateway.openai.expose-reasoning", true),
                props.integer("gateway.anthropic.input-json-chunk-size", 0),
                ApiSettings.ToolIdGenerator.parse(props.string("gateway.tools.id-generator", "random")),
                ApiSettings.parseAllowlist(props.string("gateway.tools.allowlist", "")),
                props.bool("gateway.response-format.hint", false),
                props.bool("gateway.models.echo-requested", false))
                .withResponses(new ApiSettings.ResponsesSettings(props.bool("gateway.responses.done-sentinel", true),
                        props.bool("gateway.responses.always-complete", false),
                        props.bool("gateway.responses.drop-text-with-tool-calls", false),
                        ApiSettings.PreviousResponseIdPolicy.parse(
                                props.string("gateway.responses.previous-response-id", "reject"))));
    }
}
