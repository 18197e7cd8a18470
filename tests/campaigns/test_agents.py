"""Opens and clicks that are people: the maintained crawler list, the mail proxies, and no person taken for a bot."""

import json
from pathlib import Path

import crawleruseragents
import pytest

from campaigns.agents import AgentKind, agent_kind

# Current browsers and mail clients of people (desktop and mobile), among them the ones a loose "bot" pattern
# took for machines: an Android phone of the CUBOT brand, and Outlook desktop.
PEOPLE = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
    " Edg/131.0.0.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1"
    " Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1"
    " Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.81 Mobile"
    " Safari/537.36",
    "Mozilla/5.0 (Linux; Android 13; CUBOT KingKong 9) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0"
    " Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 14; 23078RKD5C Build/UP1A.230905.011; wv) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Version/4.0 Chrome/120.0.6099.193 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 MicroMessenger/8.0.47",
    "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17928; Pro)",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
    " OPR/115.0.0.0",
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Thunderbird/128.5.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)",  # Apple Mail
]


def _maintained_list():
    data = json.loads((Path(crawleruseragents.__file__).parent / "crawler-user-agents.json").read_text())
    return [agent for entry in data for agent in entry.get("instances", [])]


def test_the_maintained_crawler_list_is_recognised():
    agents = _maintained_list()
    found = sum(agent_kind(agent) != AgentKind.PERSON for agent in agents)

    assert len(agents) > 2000
    assert found / len(agents) >= 0.95


@pytest.mark.parametrize("agent", PEOPLE)
def test_no_person_is_taken_for_a_machine(agent):
    assert agent_kind(agent) == AgentKind.PERSON


@pytest.mark.parametrize(
    "agent",
    [
        "Mozilla/5.0",  # Apple Mail Privacy Protection
        "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)",
        "YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html",
    ],
)
def test_the_mail_proxies_are_apart(agent):
    assert agent_kind(agent) == AgentKind.PROXY


@pytest.mark.parametrize(
    "agent",
    [
        "",
        "WhatsApp/2.23.20.0 A",
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
        "Mozilla/5.0 (compatible; Barracuda Sentinel)",
        "python-requests/2.31",
    ],
)
def test_previews_scanners_and_scripts_are_bots(agent):
    assert agent_kind(agent) == AgentKind.BOT
