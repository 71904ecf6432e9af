"""Every setting of a run in one object: where state lives, which model and glossaries, the QA
thresholds, how many slots, how large a segment. Each field can be set from the environment as
ZH2EN_<FIELD> (e.g. ZH2EN_STATE_DIR, ZH2EN_SLOTS, ZH2EN_QA__MIN_LENGTH_RATIO; the model also as
ZH2EN_MODEL). Precedence: an option the user typed > the variable > the default here - the
command line passes only the options given (zh2en/common.py: settings_from). README, "Settings",
lists every variable. Read elsewhere, by design: the API key (pipeline/backends/openai_server.py),
kept out of settings that flows pass around and log, and ZH2EN_CACHE_DIR, where the packaged
model is joined (pipeline/backends/model_store.py, below this module)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal, Optional

from platformdirs import user_state_dir
from pydantic import Field
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from pipeline.backends import CHAT_BACKENDS
from pipeline.backends.llama import DEFAULT_SLOTS
from pipeline.ingest.decoding import DEFAULT_MAX_BYTES
from pipeline.checks.meaning import MeaningConfig
from pipeline.checks.structure import QAConfig
from pipeline.text.segmenting import DEFAULT_MAX_CHARS


def _default_state_dir() -> Path:
    return Path(user_state_dir("zh2en"))


class _ModelVariable(PydanticBaseSettingsSource):
    """ZH2EN_MODEL, the variable the help names, for model_path (a field alias instead would
    rename the field in the JSON schema Prefect checks a deployment's parameters against)."""

    def get_field_value(self, field, field_name):   # one variable: __call__ does the work
        return None, field_name, False

    def __call__(self) -> dict:
        value = os.environ.get("ZH2EN_MODEL")
        return {"model_path": value} if value else {}


class Settings(BaseSettings):
    """Frozen (and so hashable): a worker process re-opens the model once per distinct
    settings, and a run can never change them half way."""

    model_config = SettingsConfigDict(env_prefix="ZH2EN_", env_nested_delimiter="__", frozen=True,
                                      extra="forbid")

    state_dir: Path = Field(default_factory=_default_state_dir)  # memory, prompt states
    backend: str = "llama"
    # A GGUF file or MarianMT folder; openai backend: the served model's name. ZH2EN_MODEL (the
    # name the help shows, _ModelVariable) or ZH2EN_MODEL_PATH.
    model_path: Optional[str] = None
    api_base: Optional[str] = None     # the openai backend's server (its key: openai_server._api_key)
    request_timeout: float = 300.0     # seconds one request to that server may take
    max_chars: int = DEFAULT_MAX_CHARS
    glossaries: tuple[str, ...] = ()
    use_glossary: bool = True
    use_memory: bool = True      # False: nothing is reused, nothing stored
    max_bytes: int = DEFAULT_MAX_BYTES
    force: bool = False
    slots: int = DEFAULT_SLOTS   # concurrent segment requests one llama.cpp model serves
    # The previous segment's Chinese (up to this many characters, formulas left out) sent with
    # each request as context; 0: none. Off: it did not win on the dev sets (docs/quality.md, "Context").
    context_chars: int = 0
    summaries: bool = True       # needs a chat model: the llama or openai backend
    # Recurring nouns outside the glossary looked up once per article (pipeline/recurring_terms.py).
    recurring_terms: bool = True
    # Files per article: bilingual (<slug>.md), English only (<slug>.en.md), or both.
    layout: Literal["bilingual", "english", "both"] = "both"
    follow_symlinks: bool = False  # read links in an input folder that lead outside it
    # Without a terminal (nohup, cron, CI) a line every this many seconds while segments are with the model.
    progress_seconds: float = Field(30.0, gt=0)
    qa: QAConfig = QAConfig()
    meaning: MeaningConfig = MeaningConfig()

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings, dotenv_settings,
                                   file_secret_settings):
        # what the code or command line gives > ZH2EN_MODEL > the other ZH2EN_* variables
        return init_settings, _ModelVariable(settings_cls), env_settings, dotenv_settings, file_secret_settings

    @property
    def summarizes(self) -> bool:
        return self.summaries and self.backend in CHAT_BACKENDS

    @property
    def looks_up_terms(self) -> bool:
        """The lookup needs the glossary: what it adds is what the glossary lacks."""
        return self.recurring_terms and self.use_glossary

    @property
    def memory_path(self) -> Path:
        return self.state_dir / "memory.sqlite"

    @property
    def error_log_path(self) -> Path:
        """Tracebacks of internal errors (pipeline/store/error_log.py)."""
        return self.state_dir / "errors.log"

    @property
    def prompt_state_dir(self) -> Path:
        return self.state_dir / "llama-slots"
