"""`leadloop demo --interactive`: slash commands typed as one rep, modals filled in field by
field and buttons pressed by number, each sent through the real app as the scripted week does.

After a command, every modal the app opens is asked for input by input (options listed for
selects and radio buttons), then submitted; every button the app shows is listed with a
number, and Enter goes on. `buttons` lists the buttons on the messages the rep can see.
"""

import asyncio
from typing import Any, TextIO

from bot.demo.modal_input import CANCEL, Ask, Cancelled, fill_view, input_blocks, text_of
from bot.demo.session import DemoApp
from bot.demo.surfaces import Press, Shown, presses, title

COMMANDS = ("/leadfeedback", "/campaign-preview")
QUIT = ("quit", "exit")


def stdin_asker(stdin: TextIO, out: TextIO) -> Ask:
    """Answers read line by line from stdin; a line that did not come from a terminal is
    echoed, so piped answers read in the output as if typed."""

    async def ask(_question: str) -> str | None:
        line = await asyncio.get_running_loop().run_in_executor(None, stdin.readline)
        if not line:
            return None
        if not stdin.isatty():
            out.write(line if line.endswith("\n") else line + "\n")
        return line.rstrip("\n")

    return ask


def _printing(demo: DemoApp, ask: Ask) -> Ask:
    """ask, with the question written out first."""

    async def asked(question: str) -> str | None:
        demo.out.write(question)
        demo.out.flush()
        return await ask(question)

    return asked


def _list_presses(demo: DemoApp, found: list[Press]) -> None:
    """The buttons, numbered, under the message they are on, and the section they belong to
    (a nudge's lead) where they have one."""
    rows: list[tuple[Press, list[str]]] = []
    for number, press in enumerate(found, 1):
        last = rows[-1][0] if rows else None
        if last is None or last.shown is not press.shown or last.group != press.group:
            rows.append((press, []))
        rows[-1][1].append(f"{number}) {press.label}")
    for index, (first, labels) in enumerate(rows):
        shown = first.shown
        if index == 0 or rows[index - 1][0].shown is not shown:
            demo._print(f"  On “{title(shown, demo.readers)}” ({shown.where}):")
        if first.group and first.group != title(shown, demo.readers):
            demo._print(f"    {first.group}")
        demo._print("      " + "   ".join(labels))


async def _choose(demo: DemoApp, ask: Ask, found: list[Press]) -> Press | str | None:
    """The button the person picks by number; None when they press Enter (or input ends),
    and anything else they typed, for the main prompt to read (a command, quit)."""
    _list_presses(demo, found)
    while True:
        answer = await ask(f"  Press a button (1-{len(found)}), or Enter to go on: ")
        if answer is None or not answer.strip():
            return None
        answer = answer.strip()
        if not answer.isdigit():
            return answer
        if 1 <= int(answer) <= len(found):
            return found[int(answer) - 1]
        demo._print(f"  Type a number from 1 to {len(found)}, or press Enter.")


async def _fill_and_submit(demo: DemoApp, ask: Ask, user: str, view: dict[str, Any]) -> None:
    """Ask for each input of a modal and submit it; errors from the app are asked again."""
    values: dict[str, Any] | None = None
    only: set[str] | None = None
    while True:
        if values is None:
            demo._print(
                f"  Filling in “{text_of(view.get('title'))}”: Enter keeps what is in "
                "[brackets], - clears it, cancel closes the modal."
            )
        try:
            values = await fill_view(
                view,
                ask=ask,
                say=demo._print,
                suggest=lambda block, query: demo.suggest(user, block, query),
                readers=demo.readers,
                previous=values,
                only=only,
            )
            await _confirm(ask, text_of(view.get("submit")) or "Submit")
        except Cancelled:
            demo._print("  The modal is closed; nothing was sent.")
            return
        answer = await demo.submit(user, view, values)
        if answer.get("response_action") == "errors":
            only = _show_errors(demo, view, answer.get("errors") or {})
        elif answer.get("response_action") in ("update", "push"):
            view, values, only = answer["view"], None, None
        else:
            return


async def _confirm(ask: Ask, submit: str) -> None:
    """Wait for Enter (submit) or cancel (raises Cancelled)."""
    while True:
        answer = await ask(f"  Enter submits ({submit}), or type cancel: ")
        if answer is None or answer.strip().casefold() == CANCEL:
            raise Cancelled
        if not answer.strip():
            return


def _show_errors(demo: DemoApp, view: dict[str, Any], errors: dict[str, str]) -> set[str]:
    """The app's answer to a submission it refused, by field; the fields to ask again."""
    labels = {b.get("block_id"): text_of(b.get("label")) for b in input_blocks(view)}
    for block_id, message in errors.items():
        demo._print(f"  ✗ {labels.get(block_id, block_id)}: {message}")
    return set(errors) & set(labels)


async def follow_up(demo: DemoApp, ask: Ask, user: str, shown: list[Shown] | None = None) -> None:
    """Fill in each modal the app opened and offer each button it showed, until the person
    goes on (Enter) or nothing is left to answer."""
    while True:
        recent = demo.take_recent() if shown is None else shown
        shown = None
        modals = [s for s in recent if s.surface == "modal"]
        if modals:
            await _fill_and_submit(demo, ask, user, modals[-1].payload)
            continue
        found = presses(recent, demo.readers)
        press = await _choose(demo, ask, found) if found else None
        if not isinstance(press, Press):
            return press
        await demo.click(user, press)


async def prompt(demo: DemoApp, ask: Ask, *, user: str) -> None:
    """Read slash commands as user would type them in #sales, and answer what the app shows."""
    ask = _printing(demo, ask)
    name = demo.readers.name(user)
    demo._print()
    demo._print(f"Type a slash command as {name} would in #sales, e.g. `/leadfeedback mine`,")
    demo._print("`/leadfeedback help` or `/campaign-preview list`; `buttons` lists the buttons on")
    demo._print(f"the messages {name} can see. `quit` (or Ctrl-D) ends.")
    pending: str | None = None
    while True:
        line = pending if pending is not None else await ask(f"{name}> ")
        pending = None
        if line is None or line.strip() in QUIT:
            demo._print()
            return
        words = line.strip().split(" ", 1)
        demo.take_recent()
        if words[0] == "buttons":
            pending = await follow_up(demo, ask, user, demo.messages_seen_by(user))
        elif words[0] in COMMANDS:
            await demo.command(user, words[1] if len(words) > 1 else "", command=words[0])
            pending = await follow_up(demo, ask, user)
        else:
            demo._print("Type /leadfeedback … or /campaign-preview …, buttons, or quit.")
