"""Atom feeds (RFC 4287) of what was published: valid XML whatever the text. Pure: standard library only."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from xml.etree import ElementTree as ET

from shared.text import xml_safe

__all__ = ["FeedEntry", "atom_feed"]

ATOM = "http://www.w3.org/2005/Atom"


@dataclass(frozen=True, slots=True)
class FeedEntry:
    id: str
    """A stable URI, e.g. ``urn:uuid:…``."""
    title: str
    updated: datetime
    link: str
    summary: str


def atom_feed(
    *, title: str, feed_id: str, self_url: str, updated: datetime, entries: Iterable[FeedEntry]
) -> str:
    ET.register_namespace("", ATOM)
    title = xml_safe(title)
    feed = ET.Element(f"{{{ATOM}}}feed", {"xml:lang": "zh-CN"})
    ET.SubElement(feed, f"{{{ATOM}}}id").text = feed_id
    ET.SubElement(feed, f"{{{ATOM}}}title").text = title
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = updated.isoformat()
    ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "self", "href": self_url})
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = title
    for item in entries:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(entry, f"{{{ATOM}}}id").text = item.id
        ET.SubElement(entry, f"{{{ATOM}}}title").text = xml_safe(item.title)
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = item.updated.isoformat()
        ET.SubElement(entry, f"{{{ATOM}}}link", {"rel": "alternate", "href": item.link})
        ET.SubElement(entry, f"{{{ATOM}}}summary").text = xml_safe(item.summary)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode")
