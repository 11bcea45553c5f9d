package org.tinyphone.server.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tinyphone.server.access.AccessPolicy.Level.FULL;
import static org.tinyphone.server.access.AccessPolicy.Level.NONE;
import static org.tinyphone.server.access.AccessPolicy.Level.WATCH;

import java.net.InetAddress;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tinyphone.net.WrongSecretLimiter;

class AccessPolicyTest {
    private static final boolean LOCAL = true, REMOTE = false;

    /** The defaults without public=true: this machine may do everything, other hosts nothing. */
    private final AccessPolicy defaults = new AccessPolicy(Map.of(), null, FULL, NONE);

    @Test
    void byDefaultThisMachineMayDoEverythingAndOtherHostsNothing() {
        assertThat(defaults.grant("13605162099", null, LOCAL).level()).isEqualTo(FULL);
        assertThat(defaults.grant("*", null, LOCAL).level()).isEqualTo(FULL);
        assertThat(defaults.grant("13605162099", null, REMOTE).level()).isEqualTo(NONE);
        assertThat(defaults.grant("13605162099", null, REMOTE).why()).contains("access.remote=watch");
        assertThat(defaults.grant("*", null, REMOTE).level()).isEqualTo(NONE);
    }

    @Test
    void publicLetsOtherHostsWatchNumbersButNotCommandNorWatchEveryNumber() {
        AccessPolicy p = new AccessPolicy(Map.of(), "admin-token-0123456789", FULL, WATCH);
        AccessPolicy.Grant anonymous = p.grant("13605162099", null, REMOTE);
        assertThat(anonymous.level()).isEqualTo(WATCH);
        assertThat(anonymous.allows(FULL)).isFalse();
        assertThat(anonymous.why()).contains("commands", "token");
        assertThat(p.grant("*", null, REMOTE).level()).isEqualTo(NONE);
        assertThat(p.grant("*", "admin-token-0123456789", REMOTE).level()).isEqualTo(FULL);
        assertThat(p.grant("13605162099", "admin-token-0123456789", REMOTE).level()).isEqualTo(FULL);
        assertThat(p.grant("13605162099", "guess", REMOTE).level()).as("a wrong token is refused, not ignored")
                .isEqualTo(NONE);
    }

    @Test
    void aNumberWithItsOwnTokenNeedsItFromEveryone() {
        AccessPolicy p = new AccessPolicy(Map.of("100", "s3cret", "*", "admin"), null, FULL, WATCH);
        assertThat(p.grant("100", null, LOCAL).level()).isEqualTo(NONE);
        assertThat(p.grant("100", null, LOCAL).why()).isEqualTo("number 100 needs a token");
        assertThat(p.grant("100", "wrong", LOCAL).why()).isEqualTo("wrong token for number 100");
        assertThat(p.grant("100", "s3cret", REMOTE).level()).isEqualTo(FULL);
        assertThat(p.grant("100", "admin", REMOTE).level()).as("token.* is the admin token").isEqualTo(FULL);
        assertThat(p.grant("200", null, LOCAL).level()).isEqualTo(FULL);
        assertThat(p.grant("*", null, LOCAL).level()).as("* would show number 100's calls").isEqualTo(NONE);
        assertThat(p.grant("*", "admin", LOCAL).level()).isEqualTo(FULL);
    }

    @Test
    void numbersAreComparedInTheirNormalFormSoAPlusOrSpacesDoNotEscapeAToken() {
        AccessPolicy p = new AccessPolicy(Map.of("13605162099", "s3cret"), null, FULL, WATCH);
        for (String n : new String[] {"+13605162099", " 1 360 516 2099", "1-360-516-2099", "(1) 360.516.2099"}) {
            assertThat(p.grant(n, null, LOCAL).level()).as(n).isEqualTo(NONE);
            assertThat(p.grant(n, "s3cret", REMOTE).level()).as(n).isEqualTo(FULL);
        }
        AccessPolicy spaced = new AccessPolicy(Map.of("+1 360 516 2099", "s3cret"), null, FULL, WATCH);
        assertThat(spaced.grant("13605162099", null, LOCAL).level()).isEqualTo(NONE);
    }

    private static Peer remotePeer(String ip) throws Exception {
        return Peer.of(InetAddress.getByName(ip));
    }

    @Test
    void theOriginalDialectClientIdIsATokenWhenItIsOneAndAnIdOtherwise() throws Exception {
        Peer remote = remotePeer("192.0.2.7");
        AccessPolicy p = new AccessPolicy(Map.of("100", "s3cret"), "admin-token-0123456789", FULL, WATCH);
        assertThat(p.canWatchWithClientId("100", "s3cret", remote)).isTrue();
        assertThat(p.canWatchWithClientId("100", "1763900000.1", remote)).isFalse();
        assertThat(p.canWatchWithClientId("200", "1763900000.1", remote)).as("access.remote=watch").isTrue();
        assertThat(new AccessPolicy(Map.of(), "admin-token-0123456789", FULL, NONE)
                .canWatchWithClientId("200", "1763900000.1", remote)).isFalse();
        assertThat(new AccessPolicy(Map.of(), "admin-token-0123456789", FULL, NONE)
                .canWatchWithClientId("200", "admin-token-0123456789", remote)).isTrue();
        assertThat(p.isToken("s3cret")).isTrue();
        assertThat(p.isToken("1763900000.1")).isFalse();
    }

    @Test
    void tokensCannotBeGuessedAnAddressWithTooManyWrongOnesIsRefusedEvenTheRightOne() throws Exception {
        AccessPolicy p = new AccessPolicy(Map.of("100", "s3cret"), null, FULL, WATCH);
        Peer guesser = remotePeer("192.0.2.66");
        for (int i = 0; i < WrongSecretLimiter.MAX_FAILURES; i++) {
            assertThat(p.grant("100", "guess" + i, guesser).why()).isEqualTo("wrong token for number 100");
        }
        assertThat(p.grant("100", "s3cret", guesser).why()).contains("too many wrong tokens");
        assertThat(p.canWatchWithClientId("100", "s3cret", guesser)).isFalse();
        assertThat(p.grant("100", null, guesser).why()).as("no token: the rules as always").isEqualTo("number 100 needs a token");
        assertThat(p.grant("100", "s3cret", remotePeer("192.0.2.67")).level()).as("other addresses are unaffected")
                .isEqualTo(FULL);
    }
}
