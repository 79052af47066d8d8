"""Two negative messages in a row escalate, even when neither does on its own: the message path
keeps each message's score in the conversation and applies the rule to the next one."""

from __future__ import annotations

from collections.abc import Generator, Iterator

from gateway.appkeys import CONFIG, MESSAGES
from gateway.checks import Checks
from guardrails import MessageScreen, PhraseList
from guardrails.sentiment import NO_CUES, Cues
from tests.gateway.conftest import FakeBot, Gateway


class ScriptedScores:
    """A scorer that gives the scores it is handed, one per message."""

    threshold = 0.8
    conversation_threshold = 0.9

    def __init__(self, scores: Iterator[float | None]) -> None:
        self._scores = scores

    def score(self, text: str, cues: Cues = NO_CUES) -> float | None:
        return next(self._scores)

    def score_steps(self, text: str, cues: Cues = NO_CUES) -> Generator[None, None, float | None]:
        yield  # one pause, as a real scorer makes between runs
        return self.score(text, cues)


async def test_two_negative_messages_in_a_row_escalate(gateway: Gateway, fake_bot: FakeBot) -> None:
    # 0.85 is above the threshold (0.8): alone it does not escalate; twice in a row, below the
    # conversation threshold (0.9), it does. A message with nothing to weigh breaks the run.
    screen = MessageScreen(PhraseList({}, ()), ScriptedScores(iter([0.85, None, 0.85, 0.85])))
    holder = gateway.app[CONFIG]
    checks = Checks(lambda: holder.current.guardrails, lambda: screen)
    gateway.app[MESSAGES]._checks = checks
    answers = ["亲，订单已发货", "退款会原路退回", "尺码表在详情页", "发票会随包裹寄出"]
    routes = []
    for index in range(4):
        fake_bot.answer = answers[index]
        body = await (await gateway.send(f"消息{index}", message_id=f"m{index}")).json()
        routes.append(body["route"])
    assert routes == ["bot", "bot", "bot", "human"]
    assert await gateway.store.handoffs.reasons("shop-a", "c1") == ["negative_conversation"]
