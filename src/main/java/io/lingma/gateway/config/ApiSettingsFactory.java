package io.lingma.gateway.config;

import io.lingma.gateway.api.ApiSettings;

/** Reads {@link ApiSettings} from the gateway properties (keys in client-api.md §15). */
final class ApiSettingsFactory {

    private ApiSettingsFactory() {
    }

    /**
     * @param props the gateway properties (defaults: application.properties)
     * @return the client-API settings
     * @throws InvalidSettingException for a missing or invalid value (fatal at start)
     */
    static ApiSettings from(GatewayProperties props) {
        return new ApiSettings(props.string("gateway.default-model"),
                props.bool("gateway.openai.expose-reasoning"),
                props.integer("gateway.anthropic.input-json-chunk-size", 0),
                props.enumValue("gateway.tools.id-generator", ApiSettings.ToolIdGenerator.class),
                ApiSettings.parseAllowlist(props.string("gateway.tools.allowlist")),
                props.bool("gateway.response-format.hint"),
                props.bool("gateway.models.echo-requested"),
                new ApiSettings.ResponsesSettings(props.bool("gateway.responses.done-sentinel"),
                        props.bool("gateway.responses.always-complete"),
                        props.bool("gateway.responses.drop-text-with-tool-calls"),
                        props.enumValue("gateway.responses.previous-response-id",
                                ApiSettings.PreviousResponseIdPolicy.class)));
    }
}
