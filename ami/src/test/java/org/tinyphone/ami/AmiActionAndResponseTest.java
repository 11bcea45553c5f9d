package org.tinyphone.ami;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.tinyphone.ami.codec.AmiMessage;

class AmiActionAndResponseTest {

    @Test
    void actionsKeepFieldOrderRepeatedKeysAndGetOurActionIdLast() {
        AmiAction a = AmiAction.of("Originate").add("Channel", "Local/park@agi-test").add("Variable", "FOO=bar")
                .add("Variable", "X=a: b").addIfPresent("Account", null);
        assertThat(new String(a.encode("id-1"), StandardCharsets.UTF_8)).isEqualTo(
                "Action: Originate\r\nChannel: Local/park@agi-test\r\nVariable: FOO=bar\r\nVariable: X=a: b\r\nActionID: id-1\r\n\r\n");
        AmiAction own = AmiAction.of("Ping").add("ActionID", "mine");
        assertThat(new String(own.encode("ignored"), StandardCharsets.UTF_8)).isEqualTo("Action: Ping\r\nActionID: mine\r\n\r\n");
        assertThatThrownBy(() -> AmiAction.of("Ping").add("Action", "Logoff")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AmiAction.of("Ping").add("X", "a\r\nAction: Logoff")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void commandLineLinesBecomeAnAction() {
        AmiAction a = AmiAction.parseLines(List.of("Action: Command", "Command: core show channels", "Empty:"));
        assertThat(a.name()).isEqualTo("Command");
        assertThat(a.get("Command")).isEqualTo("core show channels");
        assertThat(a.get("Empty")).isEmpty();
        assertThatThrownBy(() -> AmiAction.parseLines(List.of("Command: x"))).hasMessageContaining("first line must be");
        assertThatThrownBy(() -> AmiAction.parseLines(List.of())).hasMessageContaining("no action");
    }

    @Test
    void commandOutputInBothTheCurrentAndTheOldForm() {
        AmiResponse now = new AmiResponse(AmiMessage.of("Response: Success", "ActionID: 1", "Message: Command output follows",
                "Output: line one", "Output: line: two"), List.of());
        assertThat(now.output()).containsExactly("line one", "line: two");
        AmiResponse old = new AmiResponse(AmiMessage.of("Response: Follows", "Privilege: Command", "ActionID: 2",
                "No such command", "--END COMMAND--"), List.of());
        assertThat(old.isSuccess()).isTrue();
        assertThat(old.output()).containsExactly("No such command");
    }

    @Test
    void listItemsLeaveOutTheCompleteEvent() {
        AmiMessage item = AmiMessage.of("Event: CoreShowChannel", "ActionID: 3", "Channel: A");
        AmiMessage done = AmiMessage.of("Event: CoreShowChannelsComplete", "ActionID: 3", "EventList: Complete", "ListItems: 1");
        AmiResponse r = new AmiResponse(AmiMessage.of("Response: Success", "ActionID: 3", "EventList: start"), List.of(item, done));
        assertThat(r.items()).containsExactly(item);
        assertThat(r.events()).hasSize(2);
    }
}
