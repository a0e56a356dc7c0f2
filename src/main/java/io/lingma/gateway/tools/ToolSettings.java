package io.lingma.gateway.tools;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Settings of the tool emulation (client-api.md §10, §15 keys {@code gateway.tools.*}). Immutable; build it once
 * from the properties.
 *
 * @param parsers              {@code gateway.tools.parsers} (also {@code hash-tool-call}, {@code xml-tool-call}): the
 *                             answer formats the parser accepts and the hold-back filter watches for (§10.5, §10.9)
 * @param maxCalls             {@code gateway.tools.max-calls}, default 8: accepted calls per reply; later ones are
 *                             dropped (their blocks are still cut from the text) (§10.5)
 * @param maxScanBytes         {@code gateway.tools.max-scan-bytes}, default 0 = unlimited: only openings within the
 *                             first this many UTF-8 bytes of a reply are parsed (§10.5)
 * @param holdbackChars        {@code gateway.tools.holdback-chars}, default 96: characters the streaming filter keeps
 *                             back so a marker split across deltas is still caught (§10.9)
 * @param rekeySingleArgument  {@code gateway.tools.rekey-single-argument}, default false: move a lone unknown string
 *                             argument to the one missing required string property (§10.5 validation 2)
 * @param inferMemoryCommand   {@code gateway.tools.infer-memory-command}, default false: last-resort macOS memory
 *                             command inference (§10.8 step 5)
 * @param holdTextWhenForced   {@code gateway.tools.hold-text-when-forced}, default true: with tool_choice any/tool the
 *                             streamed text is held until the reply is parsed (§10.8 step 3)
 * @param refusalPhrases       {@code gateway.tools.refusal-phrases}: case-insensitive substrings that mark a refusal
 *                             (§10.8 step 2); default {@link #DEFAULT_REFUSAL_PHRASES}
 * @param missedToolPhrases    {@code gateway.tools.missed-tool-phrases}: case-insensitive substrings that mark a
 *                             described-but-not-made call (§10.8 step 2); default {@link #DEFAULT_MISSED_TOOL_PHRASES}
 * @param aggregateStream      {@code gateway.tools.aggregate-stream} (LP {@code LINGMA_AGGREGATE_TOOL_STREAM}),
 *                             default false: when true, streamed replies of tool requests hold all text until the
 *                             reply is parsed, so streams carry exactly the non-streaming content
 */
public record ToolSettings(Set<Parser> parsers, int maxCalls, long maxScanBytes, int holdbackChars,
                           boolean rekeySingleArgument, boolean inferMemoryCommand, boolean holdTextWhenForced,
                           List<String> refusalPhrases, List<String> missedToolPhrases, boolean aggregateStream) {

    /** The pluggable answer formats of client-api.md §10.5, with their configuration names. */
    public enum Parser {
        /** {@code ```json action} and {@code ``` action} blocks (§10.5 A). */
        JSON_ACTION("json-action"),
        /** Plain {@code ```json} fences (§10.5 A). */
        JSON_FENCE("json-fence"),
        /** The whole reply is one JSON object, optionally fenced (§10.5 B). */
        BARE_JSON("bare-json"),
        /** A {@code ```tool_code} block holding one Python-style call (§10.5 B). */
        TOOL_CODE("tool-code"),
        /** A {@code # Tool Call} heading followed by a JSON object or a call (§10.5 B; off by default). */
        HASH_TOOL_CALL("hash-tool-call"),
        /** {@code <tool_call>{json}</tool_call>} (§10.5 B; off by default). */
        XML_TOOL_CALL("xml-tool-call");

        private final String configName;

        Parser(String configName) {
            this.configName = configName;
        }

        /** @return the name used in {@code gateway.tools.parsers} */
        public String configName() {
            return configName;
        }

        /**
         * @param value a comma- or newline-separated list of parser names (case-insensitive, blanks ignored)
         * @return the parsers named
         * @throws IllegalArgumentException for an unknown name (invalid values are fatal at start, §15)
         */
        public static Set<Parser> parseList(String value) {
            Set<Parser> result = EnumSet.noneOf(Parser.class);
            if (value == null) {
                return result;
            }
            for (String raw : value.split("[,\\r\\n]")) {
                String name = raw.trim().toLowerCase(Locale.ROOT);
                if (name.isEmpty()) {
                    continue;
                }
                Parser found = null;
                for (Parser p : values()) {
                    if (p.configName.equals(name)) {
                        found = p;
                    }
                }
                if (found == null) {
                    throw new IllegalArgumentException("gateway.tools.parsers: unknown parser '" + raw.trim()
                            + "' (known: json-action, json-fence, bare-json, tool-code, hash-tool-call, xml-tool-call)");
                }
                result.add(found);
            }
            return result;
        }
    }

    /** Default refusal phrases (client-api.md §10.8 step 2). */
    public static final List<String> DEFAULT_REFUSAL_PHRASES = List.of(
            "i don't have tools", "i do not have tools", "tools are unavailable", "cannot call tools",
            "can't call tools", "cannot execute", "can't execute", "cannot run commands", "can't run commands",
            "cannot access your computer", "can't access your computer", "cannot access your local machine",
            "can't access your local machine", "没有可用的工具", "无法调用", "工具不可用", "不能调用工具", "我不具备",
            "受限于当前环境", "当前环境限制", "无法直接执行", "不能直接执行", "无法执行系统命令", "不能执行系统命令",
            "无法访问你的电脑", "无法访问本机", "没有权限访问");

    /** Default missed-tool phrases (client-api.md §10.8 step 2). */
    public static final List<String> DEFAULT_MISSED_TOOL_PHRASES = List.of(
            "let me use", "i need to use", "i will use", "i'll use", "i will edit", "i'll edit", "i am going to edit",
            "i need to run", "i will run", "i need to read", "i will read", "i need to check", "i will check",
            "i need to search", "i will search", "please run", "manually run", "run the following command",
            "you can run", "you could run", "paste the file", "无法直接访问", "无法直接查询", "无法直接查看", "无法直接执行",
            "不能直接执行", "无法执行系统命令", "没有可用", "no tools available", "native lingma tools", "需要使用",
            "我需要使用", "让我使用", "让我尝试", "执行命令", "编辑文件", "我将编辑", "现在我将编辑", "读取文件", "查看文件",
            "追加一行", "在末尾追加", "生成unified diff", "生成 unified diff", "查询天气", "手动运行", "你可以在终端中运行",
            "你可以运行", "请你运行", "请手动运行", "粘贴给我", "切换到计划模式");

    /**
     * Null parsers mean none; null phrase lists mean the built-in ones.
     *
     * @throws IllegalArgumentException when {@code maxCalls} is below 1
     */
    public ToolSettings {
        parsers = parsers == null ? Set.of() : Set.copyOf(parsers);
        if (maxCalls < 1) {
            throw new IllegalArgumentException("gateway.tools.max-calls must be >= 1");
        }
        maxScanBytes = Math.max(0, maxScanBytes);
        holdbackChars = Math.max(0, holdbackChars);
        refusalPhrases = lowerCase(refusalPhrases == null ? DEFAULT_REFUSAL_PHRASES : refusalPhrases);
        missedToolPhrases = lowerCase(missedToolPhrases == null ? DEFAULT_MISSED_TOOL_PHRASES : missedToolPhrases);
    }

    /**
     * @param value a phrase list property: comma- or newline-separated, entries trimmed, blanks dropped
     * @return the phrases, or null for a null value (keep the default)
     */
    public static List<String> parsePhrases(String value) {
        if (value == null) {
            return null;
        }
        List<String> out = new ArrayList<>();
        for (String s : value.split("[,\\r\\n]")) {
            if (!s.isBlank()) {
                out.add(s.trim());
            }
        }
        return out;
    }

    /** @return true when the given parser is enabled */
    public boolean enabled(Parser parser) {
        return parsers.contains(parser);
    }

    /**
     * @param parsers the parsers
     * @return a copy with {@code parsers} replaced
     */
    public ToolSettings withParsers(Set<Parser> parsers) {
        return new ToolSettings(parsers, maxCalls, maxScanBytes, holdbackChars, rekeySingleArgument,
                inferMemoryCommand, holdTextWhenForced, refusalPhrases, missedToolPhrases, aggregateStream);
    }

    /**
     * @param max calls per reply
     * @return a copy with {@code maxCalls} replaced
     */
    public ToolSettings withMaxCalls(int max) {
        return new ToolSettings(parsers, max, maxScanBytes, holdbackChars, rekeySingleArgument,
                inferMemoryCommand, holdTextWhenForced, refusalPhrases, missedToolPhrases, aggregateStream);
    }

    /**
     * @param rekey whether single-argument re-keying is on
     * @return a copy with it replaced
     */
    public ToolSettings withRekeySingleArgument(boolean rekey) {
        return new ToolSettings(parsers, maxCalls, maxScanBytes, holdbackChars, rekey,
                inferMemoryCommand, holdTextWhenForced, refusalPhrases, missedToolPhrases, aggregateStream);
    }

    /**
     * @param infer whether memory-command inference is on
     * @return a copy with it replaced
     */
    public ToolSettings withInferMemoryCommand(boolean infer) {
        return new ToolSettings(parsers, maxCalls, maxScanBytes, holdbackChars, rekeySingleArgument,
                infer, holdTextWhenForced, refusalPhrases, missedToolPhrases, aggregateStream);
    }

    /**
     * @param hold whether forced modes hold streamed text
     * @return a copy with it replaced
     */
    public ToolSettings withHoldTextWhenForced(boolean hold) {
        return new ToolSettings(parsers, maxCalls, maxScanBytes, holdbackChars, rekeySingleArgument,
                inferMemoryCommand, hold, refusalPhrases, missedToolPhrases, aggregateStream);
    }

    /**
     * @param bytes scan limit in UTF-8 bytes (0 = unlimited)
     * @return a copy with it replaced
     */
    public ToolSettings withMaxScanBytes(long bytes) {
        return new ToolSettings(parsers, maxCalls, bytes, holdbackChars, rekeySingleArgument,
                inferMemoryCommand, holdTextWhenForced, refusalPhrases, missedToolPhrases, aggregateStream);
    }

    /**
     * @param aggregate whether tool streams are aggregated
     * @return a copy with it replaced
     */
    public ToolSettings withAggregateStream(boolean aggregate) {
        return new ToolSettings(parsers, maxCalls, maxScanBytes, holdbackChars, rekeySingleArgument,
                inferMemoryCommand, holdTextWhenForced, refusalPhrases, missedToolPhrases, aggregate);
    }

    private static List<String> lowerCase(List<String> phrases) {
        return phrases.stream().filter(s -> s != null && !s.isBlank())
                .map(s -> s.trim().toLowerCase(Locale.ROOT)).toList();
    }
}
