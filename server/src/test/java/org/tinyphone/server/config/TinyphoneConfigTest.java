package org.tinyphone.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TinyphoneConfigTest {

    @Test
    void defaultsAreTheOriginalHubsPortsAllOnLoopback() {
        TinyphoneConfig c = TinyphoneConfig.defaults();
        assertThat(c.relay()).isEqualTo(new ListenerConfig("relay", true, "127.0.0.1", 12001));
        assertThat(c.clients()).isEqualTo(new ListenerConfig("clients", true, "127.0.0.1", 12002));
        assertThat(c.http()).isEqualTo(new ListenerConfig("http", true, "127.0.0.1", 12003));
        assertThat(c.get("access.local")).isEqualTo("full");
        assertThat(c.get("access.remote")).isEqualTo("none");
        assertThat(c.fastagi()).isEqualTo(new ListenerConfig("fastagi", true, "127.0.0.1", 4573));
        assertThat(c.audiosocket()).isEqualTo(new ListenerConfig("audiosocket", true, "127.0.0.1", 9092));
        assertThat(c.amiEnabled()).isFalse();
        assertThat(c.bool("ari.enabled")).isFalse();
        assertThat(c.listener("ari.outbound")).isEqualTo(new ListenerConfig("ari.outbound", false, "127.0.0.1", 8090));
        assertThat(c.tokens()).isEmpty();
        assertThat(c.clientOverloadTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.source("http.port")).isEqualTo("default");
    }

    @Test
    void fileThenEnvironmentThenCommandLine(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("tinyphone.properties");
        Files.writeString(file, """
                # my box
                http.port = 8080
                clients.port=9002
                relay.enabled=false
                token.13605162099=s3cret
                clients.overload-timeout=500ms
                """);
        TinyphoneConfig c = TinyphoneConfig.load(file,
                Map.of("TINYPHONE_HTTP_PORT", "8081", "TINYPHONE_TOKEN_15550001111", "t2", "PATH", "/bin"),
                Map.of("clients.port", "9003"));
        assertThat(c.http().port()).isEqualTo(8081);
        assertThat(c.source("http.port")).isEqualTo("env TINYPHONE_HTTP_PORT");
        assertThat(c.clients().port()).isEqualTo(9003);
        assertThat(c.source("clients.port")).isEqualTo("command line");
        assertThat(c.relay().enabled()).isFalse();
        assertThat(c.source("relay.enabled")).isEqualTo("file " + file);
        assertThat(c.tokens()).isEqualTo(Map.of("13605162099", "s3cret", "15550001111", "t2"));
        assertThat(c.clientOverloadTimeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(c.describe()).anySatisfy(l -> assertThat(l).startsWith("token.13605162099=(set)"))
                .noneSatisfy(l -> assertThat(l).contains("s3cret"));
        assertThat(c.with(Map.of("ari.password", "hunter2", "ari.outbound.password", "hunter3")).describe())
                .anySatisfy(l -> assertThat(l).startsWith("ari.password=(set)"))
                .noneSatisfy(l -> assertThat(l).contains("hunter"));
    }

    @Test
    void publicOpensTheClientListenersAndLetsOtherHostsWatchUnlessThoseKeysAreSet() {
        TinyphoneConfig open = TinyphoneConfig.load(null, Map.of("TINYPHONE_PUBLIC", "true"), Map.of());
        assertThat(open.clients().bind()).isEqualTo("0.0.0.0");
        assertThat(open.http().bind()).isEqualTo("0.0.0.0");
        assertThat(open.get("access.remote")).isEqualTo("watch");
        assertThat(open.source("http.bind")).isEqualTo("default (public=true)");
        assertThat(open.fastagi().bind()).as("Asterisk-facing listeners stay on loopback").isEqualTo("127.0.0.1");

        TinyphoneConfig chosen = TinyphoneConfig.load(null, Map.of(),
                Map.of("public", "yes", "http.bind", "192.0.2.2", "access.remote", "none"));
        assertThat(chosen.http().bind()).isEqualTo("192.0.2.2");
        assertThat(chosen.clients().bind()).isEqualTo("0.0.0.0");
        assertThat(chosen.get("access.remote")).isEqualTo("none");

        TinyphoneConfig closedAgain = open.with(Map.of("public", "false"));
        assertThat(closedAgain.http().bind()).isEqualTo("127.0.0.1");
        assertThat(closedAgain.get("access.remote")).isEqualTo("none");
    }

    @Test
    void accessAndTalkbackValuesAreChecked() {
        // found by fuzzing: a duration beyond a long's milliseconds threw ArithmeticException, not a config error
        for (String huge : new String[] {"09999999999999999M", "99999999999999999999ms", "1e300s", "50000m"}) {
            assertThatThrownBy(() -> TinyphoneConfig.load(null, Map.of(), Map.of("clients.idle-ping", huge)))
                    .as(huge).isInstanceOf(ConfigException.class).hasMessageContaining("clients.idle-ping");
        }
        // found by fuzzing: a negative duration was taken (an overload timeout of -1 s)
        for (String negative : new String[] {"-1", "-5s", "-200ms", "-1m"}) {
            assertThatThrownBy(() -> TinyphoneConfig.load(null, Map.of(), Map.of("clients.overload-timeout", negative)))
                    .as(negative).isInstanceOf(ConfigException.class).hasMessageContaining("not negative");
        }
        assertThatThrownBy(() -> TinyphoneConfig.load(null, Map.of(), Map.of("access.remote", "everyone")))
                .hasMessageContaining("access.remote").hasMessageContaining("none, watch or full");
        assertThatThrownBy(() -> TinyphoneConfig.load(null, Map.of(), Map.of("talkback.sound-dirs", "sounds")))
                .hasMessageContaining("absolute");
        assertThatThrownBy(() -> TinyphoneConfig.load(null, Map.of(), Map.of("talkback.functions", "FILE(/x)")))
                .hasMessageContaining("no parentheses");
        assertThatThrownBy(() -> TinyphoneConfig.load(null, Map.of(), Map.of("http.allowed-origins", "evil.example")))
                .hasMessageContaining("scheme://host");
        assertThat(TinyphoneConfig.load(null, Map.of(), Map.of("talkback.functions", "CALLERID, CDR"))
                .list("talkback.functions")).containsExactly("CALLERID", "CDR");
    }

    @Test
    void everyKeyHasAnEnvironmentVariable() {
        assertThat(TinyphoneConfig.envVarOf("clients.overload-timeout")).isEqualTo("TINYPHONE_CLIENTS_OVERLOAD_TIMEOUT");
        for (TinyphoneConfig.Key k : TinyphoneConfig.KEYS) assertThat(k.envVar()).matches("TINYPHONE_[A-Z0_9_]+");
    }

    @Test
    void docsConfigMdListsEveryKeyWithItsDefaultAndVariable() throws Exception {
        String doc = Files.readString(Path.of("../docs/config.md"));
        for (TinyphoneConfig.Key k : TinyphoneConfig.KEYS) {
            String dflt = k.defaultValue().isEmpty() ? "(empty)" : "`" + k.defaultValue() + "`";
            assertThat(doc).contains("| `" + k.name() + "` | " + dflt + " | `" + k.envVar() + "` |");
        }
    }

    @Test
    void mistakesAreNamedWithKeyAndSource(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bad.properties");
        Files.writeString(file, "htpp.port=1\n");
        assertThatThrownBy(() -> TinyphoneConfig.load(file, Map.of(), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("unknown config key 'htpp.port'")
                .hasMessageContaining("did you mean 'http.port'?");
        assertThatThrownBy(() -> TinyphoneConfig.load(null, Map.of("TINYPHONE_RELAY_PORT", "70000"), Map.of()))
                .hasMessageContaining("relay.port = '70000' (env TINYPHONE_RELAY_PORT) must be a port");
        assertThatThrownBy(() -> TinyphoneConfig.load(null, Map.of(), Map.of("http.enabled", "maybe")))
                .hasMessageContaining("http.enabled").hasMessageContaining("true or false");
        assertThatThrownBy(() -> TinyphoneConfig.load(dir.resolve("missing.properties"), Map.of(), Map.of()))
                .hasMessageContaining("config file not found");
        assertThatThrownBy(() -> TinyphoneConfig.load(null, Map.of(), Map.of("ami.enabled", "true")))
                .hasMessageContaining("ami.user is empty");
        assertThatThrownBy(() -> TinyphoneConfig.load(null, Map.of(), Map.of("ari.enabled", "true")))
                .hasMessageContaining("ari.user is empty");
        assertThatThrownBy(() -> TinyphoneConfig.load(null, Map.of(), Map.of("ari.url", "ws://asterisk:8088/ari/events")))
                .hasMessageContaining("ari.url").hasMessageContaining("http://127.0.0.1:8088");
        assertThatThrownBy(() -> TinyphoneConfig.load(null, Map.of(), Map.of("ari.app", "tiny,phone")))
                .hasMessageContaining("ari.app");
        assertThatThrownBy(() -> TinyphoneConfig.load(null, Map.of(), Map.of("asterisk.allow", "10.0.0.0/40")))
                .hasMessageContaining("asterisk.allow");
    }

    @Test
    void theStreamsCredentialsAreSecretsNeverShownAndTheBearerTokenMustBeAHeaderValue() {
        TinyphoneConfig c = TinyphoneConfig.load(null, Map.of("TINYPHONE_STREAM_AUTH_TOKEN", "hunter2"),
                Map.of("stream.bearer-token", "hunter3.abc"));
        assertThat(c.get("stream.auth-token")).isEqualTo("hunter2");
        assertThat(c.describe()).anySatisfy(l -> assertThat(l).startsWith("stream.auth-token=(set)"))
                .anySatisfy(l -> assertThat(l).startsWith("stream.bearer-token=(set)"))
                .noneSatisfy(l -> assertThat(l).contains("hunter"));
        for (String bad : new String[] {"two words", "line\r\nX-Injected: 1", "\u00e9t\u00e9"}) {
            assertThatThrownBy(() -> TinyphoneConfig.load(null, Map.of(), Map.of("stream.bearer-token", bad)))
                    .as(bad).isInstanceOf(ConfigException.class).hasMessageContaining("stream.bearer-token")
                    .hasMessageContaining("printable ASCII").message().doesNotContain(bad);
        }
    }

    @Test
    void streamUrlsArePerNumberAndMustBeWebsocketUrls() {
        TinyphoneConfig c = TinyphoneConfig.load(null, Map.of("TINYPHONE_STREAM_15550002222", "ws://127.0.0.1:8765/media"),
                Map.of("stream.13605162099", "wss://bot.example.org/media?token=s3cret", "stream.*", "ws://10.0.0.5/any",
                        "stream.retries", "1"));
        assertThat(c.streams()).containsOnlyKeys("13605162099", "15550002222", "*");
        assertThat(c.streams().get("13605162099").getHost()).isEqualTo("bot.example.org");
        assertThat(c.integer("stream.retries")).isEqualTo(1); // a key of its own, not a number's URL
        assertThat(c.describe()).anySatisfy(l -> assertThat(l).startsWith("stream.13605162099=wss://bot.example.org/media?(set)"));
        for (String bad : new String[] {"http://bot.example.org/media", "bot.example.org", "ws:///path", "ws://h/#frag",
                                         "ws://user:pw@h/", "wss://h:99999/"}) {
            assertThatThrownBy(() -> TinyphoneConfig.load(null, Map.of(), Map.of("stream.13605162099", bad)))
                    .as(bad).isInstanceOf(ConfigException.class).hasMessageContaining("stream.13605162099")
                    .hasMessageContaining("ws:// or wss://");
        }
        assertThatThrownBy(() -> TinyphoneConfig.load(null, Map.of(), Map.of("stream.retires", "2")))
                .hasMessageContaining("unknown config key 'stream.retires'").hasMessageContaining("did you mean 'stream.retries'?");
        assertThatThrownBy(() -> TinyphoneConfig.load(null, Map.of(), Map.of("stream.queue", "1")))
                .hasMessageContaining("stream.queue");
    }

    @Test
    void allowListTakesAddressesAndCidrBlocks() throws Exception {
        AddressAllowList l = AddressAllowList.parse("127.0.0.1, ::1, 10.1.0.0/16");
        assertThat(l.allows(InetAddress.getByName("127.0.0.1"))).isTrue();
        assertThat(l.allows(InetAddress.getByName("::1"))).isTrue();
        assertThat(l.allows(InetAddress.getByName("10.1.200.3"))).isTrue();
        assertThat(l.allows(InetAddress.getByName("10.2.0.1"))).isFalse();
        assertThat(l.allows(InetAddress.getByName("::ffff:10.1.0.9"))).isTrue();
        assertThat(l.allows(InetAddress.getByName("192.168.1.1"))).isFalse();
        assertThat(AddressAllowList.parse("*").allows(InetAddress.getByName("8.8.8.8"))).isTrue();
        assertThat(AddressAllowList.parse("").allows(InetAddress.getByName("127.0.0.1"))).isFalse();
    }

    /** The original hub's config.json as its repository ships it (1.0b4), every key. */
    static final String ORIGINAL_CONFIG_JSON = """
            {
                "enable_agi_connections":true,
                "agi_host":"127.0.0.1",
                "agi_port":12001,
                "enable_net_connections":true,
                "net_port":12002,
                "enable_web_connections":true,
                "web_port":12003,
                "enable_sms_connections":true,
                "sms_port":12004,
                "sms_response":"Tinyphone thanks you for your message!"
            }
            """;

    @Test
    void theOriginalHubsConfigJsonIsReadAsItIs(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("config.json");
        Files.writeString(file, ORIGINAL_CONFIG_JSON.replace("12002", "13002").replace("12003", "13003"));
        TinyphoneConfig c = TinyphoneConfig.load(file, Map.of("TINYPHONE_SMS_PORT", "13004"), Map.of());
        assertThat(c.relay()).isEqualTo(new ListenerConfig("relay", true, "127.0.0.1", 12001));
        assertThat(c.clients()).isEqualTo(new ListenerConfig("clients", true, "127.0.0.1", 13002));
        assertThat(c.http()).isEqualTo(new ListenerConfig("http", true, "127.0.0.1", 13003));
        assertThat(c.sms().port()).isEqualTo(13004); // the environment still wins over the file
        assertThat(c.get("sms.response")).isEqualTo("Tinyphone thanks you for your message!");
        assertThat(c.source("http.port")).isEqualTo("file " + file + " (web_port)");
        assertThat(c.source("sms.port")).isEqualTo("env TINYPHONE_SMS_PORT");
        assertThat(c.source("fastagi.port")).isEqualTo("default");
    }

    @Test
    void configJsonFlagsTurnListenersOffAndNullMeansTheDefault(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("hub.conf"); // any name: the content says it is JSON
        Files.writeString(file, "  {\"enable_sms_connections\": false, \"enable_net_connections\": false, \"sms_response\": null,"
                + " \"web_port\": \"8080\"}");
        TinyphoneConfig c = TinyphoneConfig.load(file, Map.of(), Map.of());
        assertThat(c.sms().enabled()).isFalse();
        assertThat(c.clients().enabled()).isFalse();
        assertThat(c.get("sms.response")).isEmpty();
        assertThat(c.http().port()).isEqualTo(8080);
    }

    @Test
    void anUnknownTinyphoneVariableIsATypoLikeAnUnknownKeyButTokensAndTinyphonesOtherVariablesAreNot() {
        assertThatThrownBy(() -> TinyphoneConfig.load(null, Map.of("TINYPHONE_HTTP_PROT", "1"), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("unknown environment variable TINYPHONE_HTTP_PROT: did you mean TINYPHONE_HTTP_PORT? ");
        assertThatThrownBy(() -> TinyphoneConfig.load(null, Map.of("TINYPHONE_WHATEVER", "1"), Map.of()))
                .hasMessageStartingWith("unknown environment variable TINYPHONE_WHATEVER. Every setting's variable");
        assertThatThrownBy(() -> TinyphoneConfig.load(null, Map.of("TINYPHONE_TOKEN_", "x"), Map.of()))
                .hasMessageStartingWith("unknown environment variable TINYPHONE_TOKEN_");
        // a name from outside reaches the message escaped
        assertThatThrownBy(() -> TinyphoneConfig.load(null, Map.of("TINYPHONE_\u001b[2J", "1"), Map.of()))
                .hasMessageStartingWith("unknown environment variable TINYPHONE_\\x1b[2J");
        Map<String, String> fine = new java.util.HashMap<>(Map.of("TINYPHONE_TOKEN_13605162099", "a", "TINYPHONE_TOKEN_*", "b",
                "PATH", "/usr/bin", "TINYPHONEX", "not ours"));
        for (String other : TinyphoneConfig.OTHER_VARIABLES.keySet()) fine.put(other, "1");
        fine.put("TINYPHONE_STREAM_13605162099", "ws://127.0.0.1:8765/media"); // a number's media stream
        TinyphoneConfig c = TinyphoneConfig.load(null, fine, Map.of());
        assertThat(c.tokens()).containsEntry("13605162099", "a").containsEntry("*", "b");
        assertThat(c.streams()).containsKey("13605162099");
        assertThatThrownBy(() -> TinyphoneConfig.load(null, Map.of("TINYPHONE_STREAM_", "x"), Map.of()))
                .hasMessageStartingWith("unknown environment variable TINYPHONE_STREAM_");
        // a stream setting's typo is no number's stream
        assertThatThrownBy(() -> TinyphoneConfig.load(null, Map.of("TINYPHONE_STREAM_RETRIS", "1"), Map.of()))
                .hasMessageStartingWith("unknown environment variable TINYPHONE_STREAM_RETRIS: did you mean TINYPHONE_STREAM_RETRIES? ");
    }

    @Test
    void everyTinyphoneVariableTheLauncherAndTheRelayReadIsKnownAndDocumented() throws Exception {
        String doc = Files.readString(Path.of("../docs/config.md"));
        for (String other : TinyphoneConfig.OTHER_VARIABLES.keySet()) assertThat(doc).contains("`" + other + "`");
        java.util.Set<String> known = new java.util.HashSet<>(TinyphoneConfig.OTHER_VARIABLES.keySet());
        for (TinyphoneConfig.Key k : TinyphoneConfig.KEYS) known.add(k.envVar());
        for (String source : java.util.List.of("../tinyphone", "../bin/tinyphone-agi",
                "../relay/src/main/java/org/tinyphone/relay/RelayMain.java",
                "../ami/src/main/java/org/tinyphone/ami/tool/AmiTool.java",
                "../examples/src/main/java/org/tinyphone/examples/ami/AmiOptions.java")) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\bTINYPHONE_[A-Z0-9_]*[A-Z0-9]")
                    .matcher(Files.readString(Path.of(source)));
            while (m.find()) {
                String name = m.group();
                if (name.equals("TINYPHONE_UUID")) continue; // a channel variable of the dialplan, not the environment
                assertThat(known).as(name + " in " + source).contains(name);
            }
        }
    }

    @Test
    void configJsonMistakesAreNamedLikeThePropertiesOnes(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("config.json");
        Files.writeString(file, "{\"web_prot\": 12003}");
        assertThatThrownBy(() -> TinyphoneConfig.load(file, Map.of(), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("unknown config key 'web_prot'")
                .hasMessageContaining("did you mean 'web_port'?");
        Files.writeString(file, "{\"web_port\": 70000}");
        assertThatThrownBy(() -> TinyphoneConfig.load(file, Map.of(), Map.of()))
                .hasMessageContaining("http.port = '70000' (file " + file + " (web_port)) must be a port");
        Files.writeString(file, "{\"web_port\": 12003, \"web_port\": 12005}");
        assertThatThrownBy(() -> TinyphoneConfig.load(file, Map.of(), Map.of())).hasMessageContaining("not JSON");
        Files.writeString(file, "[1, 2]");
        assertThatThrownBy(() -> TinyphoneConfig.load(file, Map.of(), Map.of())).hasMessageContaining("JSON object");
        Files.writeString(file, "{\"agi_port\": {\"x\": 1}}");
        assertThatThrownBy(() -> TinyphoneConfig.load(file, Map.of(), Map.of())).hasMessageContaining("agi_port");
        Files.writeString(file, "{\"net_port\": 12002,");
        assertThatThrownBy(() -> TinyphoneConfig.load(file, Map.of(), Map.of())).hasMessageContaining("not JSON");
    }
}
