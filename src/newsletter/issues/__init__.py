"""Issue files: the issue model, reading and checking `issues/*.yaml`, editors' Markdown made
safe, and `new`, the next issue's draft."""

from .markdown import (
    TextBlock,
    block_lines,
    link_problems,
    markdown_blocks,
    markdown_html,
    markdown_inline_html,
    markdown_text,
)
from .model import IMAGE_SUFFIXES, PLACEHOLDER_MARK, Entry, EntryDate, Issue, Text, image_problem
from .new import new_issue
from .reading import (
    ISSUE_SUFFIXES,
    IssueFile,
    find_issue,
    issue_file,
    issue_paths,
    load_issue,
    load_issues,
    load_project_issues,
    read_issue_file,
    ready_issues,
)

__all__ = [
    "IMAGE_SUFFIXES",
    "ISSUE_SUFFIXES",
    "PLACEHOLDER_MARK",
    "Entry",
    "EntryDate",
    "Issue",
    "IssueFile",
    "Text",
    "TextBlock",
    "block_lines",
    "find_issue",
    "image_problem",
    "issue_file",
    "issue_paths",
    "link_problems",
    "load_issue",
    "load_issues",
    "load_project_issues",
    "markdown_blocks",
    "markdown_html",
    "markdown_inline_html",
    "markdown_text",
    "new_issue",
    "read_issue_file",
    "ready_issues",
]
