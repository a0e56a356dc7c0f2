package io.lingma.gateway.it;

import com.anthropic.models.messages.Tool;
import com.openai.core.JsonValue;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.responses.FunctionTool;

import java.util.List;
import java.util.Map;

/** The {@code get_weather(city)} tool the simulator scenarios call, in each official SDK's shape. */
final class WeatherTools {

    private static final Map<String, Object> CITY_SCHEMA = Map.of("type", "object",
            "properties", Map.of("city", Map.of("type", "string")), "required", List.of("city"));

    private WeatherTools() {
    }

    /** @return the Chat Completions function */
    static FunctionDefinition weatherFunction() {
        FunctionParameters.Builder p = FunctionParameters.builder();
        CITY_SCHEMA.forEach((k, v) -> p.putAdditionalProperty(k, JsonValue.from(v)));
        return FunctionDefinition.builder().name("get_weather").description("Current weather of a city")
                .parameters(p.build()).build();
    }

    /** @return the Messages tool */
    static Tool weatherTool() {
        return Tool.builder().name("get_weather").description("Current weather of a city")
                .inputSchema(Tool.InputSchema.builder()
                        .properties(com.anthropic.core.JsonValue.from(Map.of("city", Map.of("type", "string"))))
                        .required(List.of("city")).build())
                .build();
    }

    /** @return the Responses function tool (not strict) */
    static FunctionTool weatherFunctionTool() {
        FunctionTool.Parameters.Builder p = FunctionTool.Parameters.builder();
        CITY_SCHEMA.forEach((k, v) -> p.putAdditionalProperty(k, JsonValue.from(v)));
        return FunctionTool.builder().name("get_weather").parameters(p.build()).strict(false).build();
    }
}
