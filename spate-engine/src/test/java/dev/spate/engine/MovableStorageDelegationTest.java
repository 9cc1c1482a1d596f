package dev.spate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spate.storage.Storage;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import org.junit.jupiter.api.Test;

/**
 * {@link MovableStorage} stands for the storage it wraps: a method of {@link Storage} it did not
 * override would run the interface's default instead of the wrapped storage's own.
 */
class MovableStorageDelegationTest {
    @Test
    void everyMethodOfStorageIsPassedOnToTheWrappedStorage() throws Exception {
        for (Method m : Storage.class.getMethods()) {
            if (Modifier.isStatic(m.getModifiers())) {
                continue;
            }
            Method own = MovableStorage.class.getMethod(m.getName(), m.getParameterTypes());
            assertThat(own.getDeclaringClass()).as("MovableStorage overrides %s", m).isEqualTo(MovableStorage.class);
        }
    }
}
