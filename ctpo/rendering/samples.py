"""Sample publications in the scripts the CTPO serves, for the rendered pages under ``docs/`` and the tests.

Each sample uses the letters a font must get right in its language: Turkish ı İ ş ğ ç ö ü, Azerbaijani ə,
Uzbek Latin oʻ gʻ (U+02BB) and the ʼ tutuq belgisi (U+02BC), Kazakh ә ғ қ ң ө ұ ү һ і, Kyrgyz ң ө ү, Russian ё.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from ctpo.rendering._model import CitationData, PartyData, PriorityData, PublicationData
from workflows.publication import DocumentType, KindCode

_CITATIONS = (
    CitationData("US 11617522 B2", ("X",), (1, 2), "column 3, lines 10-45; figure 2"),
    CitationData("XT 0000004 A1", ("Y",), (3,), "claim 1"),
    CitationData("KZ 35123 B", ("A",), (1,), "whole document"),
)

_BASE = {
    "tr": PublicationData(
        country="XT",
        number="0000017",
        kind="A1",
        document_type=DocumentType.APPLICATION,
        language="tr",
        application_number="TR-2026-000042",
        filing_date=date(2026, 1, 14),
        title="Güneş paneli yüzeyini temizleyen fırçalı robot ve çalıştırma yöntemi",
        abstract=(
            "Buluş, güneş enerjisi santrallerinde panel yüzeyini su kullanmadan temizleyen, döner fırçalı "
            "ve ışık sensörlü otonom bir robotla ilgilidir. Robot, ığdır ve şırnak gibi tozlu bölgelerde "
            "günlük çalışır; İstanbul'daki kontrol merkezine durum bilgisi gönderir."
        ),
        publication_date=date(2026, 7, 15),
        priorities=(PriorityData("TR", "2025/018734", date(2025, 7, 20)),),
        ipc=("H02S 40/10", "B08B 1/04"),
        applicants=(PartyData("Güneşli Enerji Sanayi ve Ticaret A.Ş.", "TR", "Çankaya, Ankara"),),
        inventors=(PartyData("Şükrü Öztürk", "TR"), PartyData("Ayşegül Çağlayan", "TR")),
        representatives=(PartyData("Ilgın Patent Vekilliği Ltd. Şti.", "TR", "Kadıköy, İstanbul"),),
        designated_states=("AZ", "KG", "KZ", "TR", "UZ"),
        description=(
            "Buluşun ilgili olduğu teknik alan: Güneş panellerinin bakımı.\n"
            "Tekniğin bilinen durumu: Su ile yıkama kurak bölgelerde pahalıdır."
        ),
        claims=(
            "Güneş paneli üzerinde hareket eden, döner fırça içeren temizleme robotu.",
            "İstem 1'e göre robot olup, ışık sensörü içermektedir.",
            "İstem 1 veya 2'ye göre robotun çalıştırılma yöntemi.",
        ),
        citations=_CITATIONS,
    ),
    "kk": PublicationData(
        country="XT",
        number="0000018",
        kind="A1",
        document_type=DocumentType.APPLICATION,
        language="kk",
        application_number="KZ-2026-000105",
        filing_date=date(2026, 2, 3),
        title="Күн панелінің бетін тазалауға арналған щеткалы робот және оны басқару тәсілі",
        abstract=(
            "Өнертабыс күн электр станцияларындағы панельдердің бетін сусыз тазалайтын, айналмалы щеткасы "
            "және жарық датчигі бар автономды роботқа қатысты. Робот шаңды өңірлерде күнделікті жұмыс "
            "істейді, ақпаратты Қарағанды мен Өскемендегі орталыққа жібереді; ғимарат, құрылғы, һәм іс."
        ),
        publication_date=date(2026, 8, 12),
        priorities=(PriorityData("KZ", "2025/0456.1", date(2025, 8, 5)),),
        ipc=("H02S 40/10",),
        applicants=(PartyData("«Қазақ Күн Энергиясы» ЖШС", "KZ", "Мәңгілік Ел даңғылы 55, Астана"),),
        inventors=(PartyData("Әлия Нұрланқызы Сәрсенбаева", "KZ"), PartyData("Ғалым Өтегенұлы Құдайбергенов", "KZ")),
        representatives=(PartyData("Ұлан Ілиясов, патенттік сенім білдірілген өкіл", "KZ", "Алматы"),),
        designated_states=("KG", "KZ", "UZ"),
        description="Өнертабыс күн панельдерін күтіп ұстауға қатысты.\nСумен жуу құрғақ өңірлерде қымбат.",
        claims=(
            "Күн панелінің бетімен қозғалатын, айналмалы щеткасы бар тазалау роботы.",
            "1-тармақ бойынша робот, жарық датчигі бар.",
            "1 немесе 2-тармақ бойынша роботты басқару тәсілі.",
        ),
        citations=_CITATIONS,
    ),
    "uz": PublicationData(
        country="XT",
        number="0000019",
        kind="A1",
        document_type=DocumentType.APPLICATION,
        language="uz",
        application_number="UZ-2026-000031",
        filing_date=date(2026, 3, 2),
        title="Quyosh paneli sirtini tozalovchi choʻtkali robot va uni boshqarish usuli",
        abstract=(
            "Ixtiro quyosh elektr stansiyalarida panel sirtini suvsiz tozalovchi, aylanma choʻtkali va yorugʻlik "
            "sensorli avtonom robotga taalluqli. Robot changli hududlarda har kuni ishlaydi va maʼlumotni "
            "Toshkentdagi markazga yuboradi; sheʼr, taʼlim, gʻoya, oʻquv."
        ),
        publication_date=date(2026, 9, 9),
        priorities=(PriorityData("UZ", "IAP 2025 0312", date(2025, 9, 1)),),
        ipc=("H02S 40/10",),
        applicants=(PartyData("“Oʻzbek Quyosh Texnologiyalari” MChJ", "UZ", "Yunusobod tumani, Toshkent"),),
        inventors=(PartyData("Gʻayrat Oʻktamovich Yoʻldoshev", "UZ"), PartyData("Shahnoza Gʻulomova", "UZ")),
        description=(
            "Ixtiro quyosh panellariga xizmat koʻrsatishga oid.\nSuv bilan yuvish qurgʻoqchil hududlarda qimmat."
        ),
        claims=(
            "Quyosh paneli sirtida harakatlanuvchi, aylanma choʻtkali tozalash roboti.",
            "1-band boʻyicha robot, yorugʻlik sensoriga ega.",
        ),
        citations=_CITATIONS,
    ),
    "ru": PublicationData(
        country="XT",
        number="0000020",
        kind="A1",
        document_type=DocumentType.APPLICATION,
        language="ru",
        application_number="KG-2026-000007",
        filing_date=date(2026, 1, 29),
        title="Щёточный робот для очистки поверхности солнечных панелей и способ управления им",
        abstract=(
            "Изобретение относится к автономному роботу с вращающейся щёткой и датчиком освещённости, "
            "очищающему поверхность панелей солнечных электростанций без воды. Ёмкость аккумулятора "
            "рассчитана на съём пыли с 200 панелей; отчёт передаётся в центр в Бишкеке."
        ),
        publication_date=date(2026, 7, 29),
        priorities=(PriorityData("RU", "2025123456", date(2025, 7, 30)),),
        ipc=("H02S 40/10", "B08B 1/04"),
        applicants=(PartyData("ОсОО «Тоо Энергия»", "KG", "пр. Чуй 120, Бишкек"),),
        inventors=(PartyData("Алиев Эльдар Фёдорович", "KG"), PartyData("Бөкөнбаева Айгүл Ңурбековна", "KG")),
        representatives=(PartyData("Патентный поверенный Ж. Өмүрбеков", "KG", "Бишкек"),),
        designated_states=("AZ", "KG", "KZ", "TR", "UZ"),
        description="Изобретение относится к обслуживанию солнечных панелей.\nМытьё водой в засушливых районах дорого.",
        claims=(
            "Робот для очистки, перемещающийся по поверхности солнечной панели и содержащий вращающуюся щётку.",
            "Робот по п. 1, содержащий датчик освещённости.",
            "Способ управления роботом по п. 1 или 2.",
        ),
        citations=_CITATIONS,
    ),
}


def sample(language: str, kind: str) -> PublicationData:
    """The sample in ``language`` as an A1 (application with search report) or a B1 (patent)."""
    base = _BASE[language]
    if kind == KindCode.A1:
        return base
    if kind == KindCode.B1:
        granted = date(base.publication_date.year + 1, base.publication_date.month, base.publication_date.day)
        return replace(
            base,
            kind="B1",
            document_type=DocumentType.PATENT,
            application_publication_date=base.publication_date,
            publication_date=granted,
            citations=None,
        )
    raise ValueError(f"no sample of kind {kind}")


SAMPLE_LANGUAGES = tuple(_BASE)
"""tr, kk, uz (Latin), ru: two Latin and two Cyrillic orthographies with their special letters."""
