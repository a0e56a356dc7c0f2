package io.lingma.gateway.tools;

import io.lingma.gateway.config.TestSettings;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lingma.gateway.api.ApiSettings;
import io.lingma.gateway.chat.ApiProtocol;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** client-api.md §10.2 built-in schemas and §10.6 ids (vector 127). */
class HostedToolSchemasAndIdsTest {

    @Test
    void bashSchemaRequiresCommand() {
        ObjectNode s = HostedToolSchemas.schemaFor("bash_20250124");
        assertThat(s.path("properties").has("command")).isTrue();
        assertThat(s.path("properties").path("restart").path("type").asText()).isEqualTo("boolean");
        assertThat(s.path("required").toString()).isEqualTo("[\"command\"]");
    }

    @Test
    void textEditorSchemaHasTheEditorFields() {
        ObjectNode s = HostedToolSchemas.schemaFor("text_editor_20250728");
        assertThat(s.path("properties").fieldNames()).toIterable()
                .contains("command", "path", "file_text", "old_str", "new_str", "insert_line", "view_range");
        assertThat(s.path("properties").path("command").path("enum").toString()).doesNotContain("undo_edit");
        assertThat(HostedToolSchemas.schemaFor("text_editor_20250124").path("properties").path("command")
                .path("enum").toString()).contains("undo_edit");
        assertThat(s.path("required").toString()).contains("\"path\"");
    }

    @Test
    void otherHostedTypesHaveNoBuiltInSchema() {
        assertThat(HostedToolSchemas.schemaFor("computer_20250124")).isNull();
        assertThat(HostedToolSchemas.schemaFor(null)).isNull();
    }

    @Test
    void vector127RandomIdsAreUniqueAndShapedPerProtocol() {
        ToolIdSource openAi = ToolIdSource.forProtocol(ApiProtocol.OPENAI_CHAT, ApiSettings.ToolIdGenerator.RANDOM);
        ToolIdSource anthropic = ToolIdSource.forProtocol(ApiProtocol.ANTHROPIC_MESSAGES,
                ApiSettings.ToolIdGenerator.RANDOM);
        String a = openAi.next(null);
        String b = ToolIdSource.forProtocol(ApiProtocol.OPENAI_CHAT, ApiSettings.ToolIdGenerator.RANDOM).next(null);
        assertThat(a).matches("^call_[A-Za-z0-9]{24}$").isNotEqualTo(b);
        assertThat(anthropic.next(null)).matches("^toolu_01[A-Za-z0-9]{22}$");
    }

    @Test
    void wellFormedUpstreamIdsAreReusedAndSequentialIdsRestartPerResponse() {
        ToolIdSource ids = ToolIdSource.forProtocol(ApiProtocol.ANTHROPIC_MESSAGES,
                ApiSettings.ToolIdGenerator.SEQUENTIAL);
        assertThat(ids.next("call_abc-1")).isEqualTo("call_abc-1");
        assertThat(ids.next("has space")).isEqualTo("toolu_1");
        assertThat(ids.next(null)).isEqualTo("toolu_2");
        assertThat(ToolIdSource.forProtocol(ApiProtocol.OPENAI_RESPONSES, ApiSettings.ToolIdGenerator.SEQUENTIAL)
                .next(null)).isEqualTo("call_1");
    }

    @Test
    void settingsDefaultsAndParserList() {
        ToolSettings d = TestSettings.tools();
        assertThat(d.maxCalls()).isEqualTo(8);
        assertThat(d.holdbackChars()).isEqualTo(96);
        assertThat(d.holdTextWhenForced()).isTrue();
        assertThat(d.parsers()).containsExactlyInAnyOrder(ToolSettings.Parser.JSON_ACTION,
                ToolSettings.Parser.JSON_FENCE, ToolSettings.Parser.BARE_JSON, ToolSettings.Parser.TOOL_CODE);
        assertThat(ToolSettings.Parser.parseList(" json-action ,xml-tool-call\n"))
                .containsExactlyInAnyOrder(ToolSettings.Parser.JSON_ACTION, ToolSettings.Parser.XML_TOOL_CALL);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ToolSettings.Parser.parseList("yaml"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gateway.tools.parsers");
    }
}
