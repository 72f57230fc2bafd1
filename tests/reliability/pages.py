"""Synthetic pages for the quarantine tests: articles whose event year is known in advance.

No real newspaper text: titles and bodies are assembled from a few fixed phrases.
"""

from __future__ import annotations

TOPICS = ("工业经济", "中小企业", "电子信息", "通信服务", "软件产业", "原材料工业")
TERMS = ("5G基站建设", "复工复产", "千兆光网", "5G商用")  # topic terms of the taxonomy (dbt/seeds)


def dated_page(page: int, articles: int, bad: set[int] | frozenset[int] = frozenset()) -> str:
    """A page of ``articles`` articles; those at positions in ``bad`` report an event in 1956."""
    blocks = []
    for i in range(articles):
        topic = TOPICS[(page + i) % len(TOPICS)]
        year = "1956年3月12日" if i in bad else f"2021年{(page + i) % 12 + 1}月{i % 27 + 1}日"
        title = f"第{page}版{topic}工作会议召开第{i + 1}号"
        body = (
            f"本报讯 {year}，{topic}工作会议在北京召开，会议研究部署第{page}期第{i + 1}项重点工作，"
            f"要求各地加大政策支持力度，推动{topic}平稳运行，加快{TERMS[(page + i) % len(TERMS)]}。"
            f"会议指出，要坚持稳中求进，抓好第{page * 100 + i}个项目建设，确保各项任务落到实处。"
        )
        blocks.append(f"{title}\n\n{body}")
    return "\n\n".join(blocks) + "\n"
