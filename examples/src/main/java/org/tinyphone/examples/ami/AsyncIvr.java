package org.tinyphone.examples.ami;

import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.tinyphone.agi.AgiApp;
import org.tinyphone.ami.AsyncAgiServer;
import org.tinyphone.ami.ManagerConnection;
import org.tinyphone.examples.agi.HelloApp;
import org.tinyphone.examples.agi.IvrApp;

/**
 * {@code ivr} over AsyncAGI: the very same {@link IvrApp} and {@link HelloApp} the FastAGI examples serve, run
 * over the AMI connection instead of a socket per call. Dialplan:
 * <pre>
 * exten => 700,1,AGI(agi:async,ivr,4321)   ; passcode 4321
 * exten => 701,1,AGI(agi:async,hello)
 * </pre>
 */
public final class AsyncIvr {
    private AsyncIvr() { }

    /** The routes: first AGI argument {@code ivr} or {@code hello}; the app sees the arguments after it. */
    public static AsyncAgiServer serve(ManagerConnection ami, AgiApp ivr) {
        return AsyncAgiServer.start(ami, Map.of("ivr", ivr, "hello", new HelloApp()));
    }

    public static void main(String[] args) throws Exception {
        AmiOptions o = AmiOptions.parse(args);
        try (ManagerConnection ami = o.builder().retryFirstConnect(true).build()) {
            ami.connect();
            serve(ami, new IvrApp());
            System.out.println("AsyncAGI ivr/hello apps ready on " + ami.address() + "; dial AGI(agi:async,ivr,<passcode>)");
            new CountDownLatch(1).await();
        }
    }
}
