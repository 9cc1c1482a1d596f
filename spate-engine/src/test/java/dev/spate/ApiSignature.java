package dev.spate;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.module.ModuleDescriptor;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The public API of a module's exported packages as text: one header line per accessible type
 * (modifiers, kind, type parameters, supertypes, the public types a sealed type permits, an enum's
 * constants, a record's components), then its public and protected members, one per line, with
 * their full generic signatures and thrown exceptions. Sorted, so that two signatures compare
 * line by line and a file of one diffs readably.
 *
 * <p>{@link #incompatibilities} says which differences break code compiled or written against the
 * older one. It errs on the side of breaking: a changed header (even a supertype added) counts, since
 * a sealed type's permits or an enum's constants are in it, and adding either breaks an exhaustive
 * switch.
 *
 * @param types header of each type, by its binary name
 * @param members each type's member lines
 */
record ApiSignature(SortedMap<String, String> types, SortedMap<String, SortedSet<String>> members) {
    private static final String INDENT = "    ";

    /** The API of the exported packages of the module compiled into {@code classes}. */
    static ApiSignature of(Path classes, ClassLoader loader) throws IOException {
        ModuleDescriptor module;
        try (InputStream in = Files.newInputStream(classes.resolve("module-info.class"))) {
            module = ModuleDescriptor.read(in);
        }
        Set<String> exported = module.exports().stream().filter(e -> !e.isQualified())
                .map(ModuleDescriptor.Exports::source).collect(Collectors.toSet());
        SortedMap<String, String> types = new TreeMap<>();
        SortedMap<String, SortedSet<String>> members = new TreeMap<>();
        for (String pkg : exported) {
            Path dir = classes.resolve(pkg.replace('.', '/'));
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".class")).sorted().toList()) {
                    String simple = f.getFileName().toString().replaceFirst("\\.class$", "");
                    if (simple.equals("package-info")) {
                        continue;
                    }
                    Class<?> c;
                    try {
                        c = Class.forName(pkg + "." + simple, false, loader);
                    } catch (ClassNotFoundException e) {
                        throw new IllegalStateException("cannot load " + f, e);
                    }
                    if (accessible(c)) {
                        types.put(c.getName(), header(c));
                        members.put(c.getName(), members(c));
                    }
                }
            }
        }
        return new ApiSignature(types, members);
    }

    /** Reads what {@link #format()} wrote; lines starting with {@code #} and blank ones are comments. */
    static ApiSignature parse(String text) {
        SortedMap<String, String> types = new TreeMap<>();
        SortedMap<String, SortedSet<String>> members = new TreeMap<>();
        String type = null;
        int n = 0;
        for (String line : text.lines().toList()) {
            n++;
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith(INDENT)) {
                if (type == null) {
                    throw new IllegalArgumentException("line " + n + ": a member before any type: " + line);
                }
                members.get(type).add(line.substring(INDENT.length()));
            } else {
                int colon = line.indexOf(": ");
                if (colon < 0) {
                    throw new IllegalArgumentException("line " + n + ": neither 'TYPE: HEADER' nor an indented member: "
                            + line);
                }
                type = line.substring(0, colon);
                types.put(type, line.substring(colon + 2));
                members.put(type, new TreeSet<>());
            }
        }
        return new ApiSignature(types, members);
    }

    /** The signature as text: each type's header line, then its members indented beneath it. */
    String format() {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, String> t : types.entrySet()) {
            sb.append(t.getKey()).append(": ").append(t.getValue()).append('\n');
            for (String m : members.get(t.getKey())) {
                sb.append(INDENT).append(m).append('\n');
            }
        }
        return sb.toString();
    }

    /**
     * What in {@code this} (the newer API) breaks code written against {@code baseline}: a type
     * gone, a header changed, a member gone or changed, an abstract method added to a type that
     * code outside may implement or extend (neither final nor sealed). Additions otherwise are
     * compatible.
     */
    List<String> incompatibilities(ApiSignature baseline) {
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, String> old : baseline.types.entrySet()) {
            String type = old.getKey();
            String header = types.get(type);
            if (header == null) {
                problems.add(type + ": the type is gone");
                continue;
            }
            if (!header.equals(old.getValue())) {
                problems.add(type + ": was '" + old.getValue() + "', is '" + header + "'");
            }
            SortedSet<String> now = members.get(type);
            for (String m : baseline.members.get(type)) {
                if (!now.contains(m)) {
                    problems.add(type + ": gone or changed: " + m);
                }
            }
            if (extendable(old.getValue())) {
                for (String m : now) {
                    if (!baseline.members.get(type).contains(m) && m.matches("(.* )?abstract .*")) {
                        problems.add(type + ": abstract method added (implementations elsewhere stop compiling): " + m);
                    }
                }
            }
        }
        return problems;
    }

    /** Whether code outside may implement or extend a type with this header. */
    private static boolean extendable(String header) {
        List<String> words = Arrays.asList(header.split(" "));
        return !words.contains("final") && !words.contains("sealed")
                && (words.contains("interface") || words.contains("class"));
    }

    private static boolean accessible(Class<?> c) {
        // A nested type counts when it and every type around it are public (a protected one: to subclasses).
        for (Class<?> k = c; k != null; k = k.getDeclaringClass()) {
            boolean nested = k.getDeclaringClass() != null;
            if (k.isAnonymousClass() || k.isLocalClass() || k.isSynthetic()
                    || !(Modifier.isPublic(k.getModifiers()) || nested && Modifier.isProtected(k.getModifiers()))) {
                return false;
            }
        }
        return true;
    }

    private static String header(Class<?> c) {
        String kind = c.isAnnotation() ? "@interface" : c.isInterface() ? "interface" : c.isEnum() ? "enum"
                : c.isRecord() ? "record" : "class";
        int mods = c.getModifiers() & (Modifier.PUBLIC | Modifier.PROTECTED | Modifier.STATIC | Modifier.FINAL
                | Modifier.ABSTRACT);
        if (c.isInterface()) {
            mods &= ~(Modifier.ABSTRACT | Modifier.STATIC);
        }
        if (c.isEnum() || c.isRecord()) {
            mods &= ~(Modifier.FINAL | Modifier.STATIC | Modifier.ABSTRACT);
        }
        StringBuilder sb = new StringBuilder(Modifier.toString(mods));
        if (c.isSealed()) {
            sb.append(" sealed");
        }
        sb.append(' ').append(kind).append(typeParameters(c.getTypeParameters()));
        if (c.isRecord()) {
            sb.append(Arrays.stream(c.getRecordComponents())
                    .map(r -> r.getGenericType().getTypeName() + " " + r.getName())
                    .collect(Collectors.joining(", ", "(", ")")));
        }
        Type sup = c.getGenericSuperclass();
        if (sup != null && !c.isEnum() && !c.isRecord() && sup != Object.class) {
            sb.append(" extends ").append(sup.getTypeName());
        }
        List<String> interfaces = Arrays.stream(c.getGenericInterfaces()).map(Type::getTypeName).sorted().toList();
        if (!interfaces.isEmpty()) {
            sb.append(c.isInterface() ? " extends " : " implements ").append(String.join(", ", interfaces));
        }
        if (c.isSealed()) {
            List<String> permitted = Arrays.stream(c.getPermittedSubclasses())
                    .filter(p -> Modifier.isPublic(p.getModifiers())).map(Class::getName).sorted().toList();
            sb.append(" permits ").append(permitted.isEmpty() ? "(none public)" : String.join(", ", permitted));
        }
        if (c.isEnum()) {
            sb.append(Arrays.stream(c.getEnumConstants()).map(e -> ((Enum<?>) e).name())
                    .collect(Collectors.joining(", ", " {", "}")));
        }
        return sb.toString().strip();
    }

    private static String typeParameters(TypeVariable<?>[] params) {
        if (params.length == 0) {
            return "";
        }
        return Arrays.stream(params).map(p -> {
            List<String> bounds = Arrays.stream(p.getBounds()).filter(b -> b != Object.class).map(Type::getTypeName).toList();
            return bounds.isEmpty() ? p.getName() : p.getName() + " extends " + String.join(" & ", bounds);
        }).collect(Collectors.joining(", ", "<", ">"));
    }

    private static SortedSet<String> members(Class<?> c) {
        SortedSet<String> out = new TreeSet<>();
        for (Field f : c.getDeclaredFields()) {
            if (visible(f.getModifiers()) && !f.isSynthetic() && !f.isEnumConstant()) {
                out.add(Modifier.toString(f.getModifiers()) + " " + f.getGenericType().getTypeName() + " " + f.getName());
            }
        }
        for (Constructor<?> k : c.getDeclaredConstructors()) {
            if (visible(k.getModifiers()) && !k.isSynthetic()) {
                out.add(signature(k, c));
            }
        }
        for (Method m : c.getDeclaredMethods()) {
            if (visible(m.getModifiers()) && !m.isSynthetic() && !m.isBridge()) {
                out.add(signature(m, c));
            }
        }
        return out;
    }

    private static boolean visible(int modifiers) {
        return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
    }

    /** {@code toGenericString} without the declaring type before the name: it is the section's. */
    private static String signature(Executable e, Class<?> owner) {
        String s = e.toGenericString();
        String qualified = owner.getTypeName() + (e instanceof Constructor ? "(" : "." + e.getName() + "(");
        String local = e instanceof Constructor ? "<init>(" : e.getName() + "(";
        int at = s.indexOf(qualified);
        if (at < 0) {
            throw new IllegalStateException("unexpected signature of " + e + ": " + s);
        }
        return s.substring(0, at) + local + s.substring(at + qualified.length());
    }

    /** Writes {@link #format()} to {@code file} under a header saying what it is. */
    void write(Path file, String header) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, header + format());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
