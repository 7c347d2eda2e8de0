package io.jbouncer.core.net;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LeakDetectionTest {
    private static final String LEVEL = "io.netty.leakDetection.level";
    private ResourceLeakDetector.Level levelBefore;
    private String propertyBefore;

    @BeforeEach
    void remember() {
        levelBefore = ResourceLeakDetector.getLevel();
        propertyBefore = System.getProperty(LEVEL);
    }

    @AfterEach
    void restore() {
        ResourceLeakDetector.setLevel(levelBefore);
        if (propertyBefore == null) {
            System.clearProperty(LEVEL);
        } else {
            System.setProperty(LEVEL, propertyBefore);
        }
    }

    @Test
    void offWhenNobodyAskedForIt() {
        System.clearProperty(LEVEL);
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.SIMPLE);
        LeakDetection.offUnlessConfigured();
        assertEquals(ResourceLeakDetector.Level.DISABLED, ResourceLeakDetector.getLevel());
    }

    @Test
    void leftAsConfiguredWhenNettysPropertyIsSet() {
        System.setProperty(LEVEL, "paranoid");
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        LeakDetection.offUnlessConfigured();
        assertEquals(ResourceLeakDetector.Level.PARANOID, ResourceLeakDetector.getLevel());
    }
}
