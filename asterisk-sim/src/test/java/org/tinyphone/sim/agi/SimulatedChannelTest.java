package org.tinyphone.sim.agi;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The one simulated channel both AGI callers answer with: command lines in, Asterisk 22's replies out. */
class SimulatedChannelTest {

    /** A caller who presses nothing: every prompt plays out, every wait times out, until it hangs up. */
    private static final class SilentCaller implements SimulatedChannel.Caller {
        boolean hungUp;

        @Override
        public SimulatedChannel.Played play(String file, String escape, long millis, boolean control) {
            return new SimulatedChannel.Played(hungUp ? -1 : 0, millis * 8);
        }

        @Override
        public int waitForDigit(long timeoutMillis) {
            return hungUp ? SimulatedChannel.HANGUP : SimulatedChannel.TIMEOUT;
        }

        @Override
        public int option(String escape, long timeoutMillis) {
            return waitForDigit(timeoutMillis);
        }

        @Override
        public int digit(String file, long timeoutMillis) {
            return waitForDigit(timeoutMillis);
        }

        @Override
        public boolean hungUp() {
            return hungUp;
        }

        @Override
        public void channelHungUp() {
            hungUp = true;
        }
    }

    private final SilentCaller caller = new SilentCaller();
    private final SimulatedChannel channel = new SimulatedChannel("PJSIP/100-00000001", "15550001111", "Carol",
            "13605162099", caller);

    @Test
    void repliesHaveAsterisksForms() throws Exception {
        assertThat(channel.answer("STREAM FILE tt-monkeys \"#\"")).isEqualTo("200 result=0 endpos=4800");
        assertThat(channel.answer("GET DATA beep 100 4")).isEqualTo("200 result= (timeout)");
        assertThat(channel.answer("GET VARIABLE CALLERID(dnid)")).isEqualTo("200 result=1 (13605162099)");
        // capture 02: GOSUB answers 100 Trying first; a command without its arguments gets the 520 usage block
        assertThat(channel.answer("GOSUB sub s 1")).isEqualTo("100 result=0 Trying...\n200 result=0 Gosub complete");
        assertThat(channel.answer("STREAM FILE")).startsWith("520-Invalid command syntax.  Proper usage follows:\n")
                .endsWith("\n520 End of proper usage.");
        assertThat(channel.answer("WHAT IS THIS")).isEqualTo(SimulatedChannel.UNKNOWN);
    }

    @Test
    void nonsenseNumbersGetTheUsageBlockOrADefaultNeverAnException() throws Exception {
        assertThat(channel.answer("WAIT FOR DIGIT soon")).startsWith("520-");
        assertThat(channel.answer("SAY NUMBER twelve \"\"")).startsWith("520-");
        assertThat(channel.answer("GET DATA beep never many")).isEqualTo("200 result= (timeout)");
        assertThat(channel.answer("GET OPTION beep \"1\" 99999999999999999999")).isEqualTo("200 result=0 endpos=4800");
    }

    @Test
    void onADeadChannelOnlyTheDeadSafeCommandsRun() throws Exception {
        assertThat(channel.answer("HANGUP")).isEqualTo("200 result=1");
        assertThat(channel.hungUpByApp()).isTrue();
        assertThat(caller.hungUp).isTrue();
        // res_agi.c's command table: exec, database, variables, noop, verbose run on a dead channel (dead = 1)
        assertThat(channel.answer("EXEC Set X=1")).isEqualTo("200 result=0");
        assertThat(channel.answer("GET VARIABLE X")).isEqualTo("200 result=1 (1)");
        assertThat(channel.answer("DATABASE PUT fam key v")).isEqualTo("200 result=1");
        assertThat(channel.answer("STREAM FILE beep \"\"")).isEqualTo(SimulatedChannel.DEAD_CHANNEL);
        assertThat(channel.answer("ANSWER")).isEqualTo(SimulatedChannel.DEAD_CHANNEL);
        assertThat(channel.commands()).hasSize(6);
    }
}
