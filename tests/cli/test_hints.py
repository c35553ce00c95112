"""Every option a message or hint names is a real one: the sources' string literals are
scanned for --options, each must appear in the --help of some command; and no message
names an option by a word that is none (lat_column, "the delimiter option")."""
import glob
import os
import re

from nvcli import HERE, case, check, finish, run

SRC = os.path.join(HERE, "..", "..", "src")
LITERAL = re.compile(r'"((?:[^"\\\n]|\\.)*)"')
# Not CSS custom properties (--ink: #222; var(--ink)) in report.html's style sheet.
OPTION = re.compile(r"(?<![\w-])(?<!var\()--([a-z][a-z0-9]*(?:-[a-z0-9]+)*)(?![\w:-])")
PSEUDO = re.compile(r"\b[a-z]+_(?:column|field)\b|\bthe \w+ option\b")


def literals():
    """(file, line, text) of every string literal in src/*.c, adjacent ones joined."""
    for path in sorted(glob.glob(os.path.join(SRC, "*.c"))):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        # Comments are no messages.
        text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
        text = re.sub(r"//[^\n]*", "", text)
        for m in LITERAL.finditer(text):
            yield os.path.basename(path), text.count("\n", 0, m.start()) + 1, m.group(1)


def help_texts():
    code, main_help, _ = run("--help")
    check(code == 0, "narvaro --help")
    commands = []
    in_commands = False
    for line in main_help.splitlines():
        if line.startswith("Commands:"):
            in_commands = True
        elif in_commands and line.startswith("  ") and line.strip():
            commands.append(line.split()[0])
        elif in_commands and not line.strip():
            in_commands = False
    check(len(commands) >= 4, f"commands listed by narvaro --help: {commands}")
    texts = [main_help]
    for c in commands:
        code, out, err = run(c, "--help")
        check(code == 0, f"narvaro {c} --help: {err}")
        texts.append(out)
    return "\n".join(texts)


@case
def every_option_named_in_a_message_is_in_some_help():
    helps = help_texts()
    real = set(OPTION.findall(helps))
    check("boundaries-crs" in real and "radius-km" in real, f"options found in the helps: {sorted(real)}")
    named = 0
    for where, line, text in literals():
        for opt in OPTION.findall(text):
            named += 1
            check(opt in real, f"{where}:{line}: names --{opt}, which no --help lists: \"{text[:120]}\"")
    check(named > 30, f"the scan found the options messages name ({named})")


@case
def no_message_names_an_option_that_is_no_option():
    for where, line, text in literals():
        if " " not in text:  # keys and names (manifest keys such as id_column), not messages
            continue
        for m in PSEUDO.finditer(text):
            check(False, f"{where}:{line}: \"{m.group(0)}\" is no option (name the real --option): \"{text[:120]}\"")


finish("test_hints")
