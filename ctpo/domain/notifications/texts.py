"""The words of a notification, in the language of the proceedings (English where a text is missing)."""

from __future__ import annotations

KIND_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "deficiency_notice": "Notice of formal deficiencies",
        "search_report": "Search report",
        "office_action": "Communication from the examining division",
        "intention_to_grant": "Communication of the intention to grant",
        "decision_refusal": "Decision to refuse the application",
        "decision_grant": "Decision to grant a patent",
        "loss_of_rights": "Communication of a loss of rights",
        "reminder": "Reminder: unread communication awaiting your reply",
        "renewal_reminder": "Renewal fee not yet paid",
    },
    "ru": {
        "deficiency_notice": "Уведомление о формальных недостатках",
        "search_report": "Отчёт о поиске",
        "office_action": "Запрос экспертизы",
        "intention_to_grant": "Уведомление о намерении выдать патент",
        "decision_refusal": "Решение об отказе",
        "decision_grant": "Решение о выдаче патента",
        "loss_of_rights": "Уведомление об утрате прав",
        "reminder": "Напоминание: непрочитанное сообщение ждёт ответа",
        "renewal_reminder": "Пошлина за поддержание не уплачена",
    },
    "kk": {
        "deficiency_notice": "Ресімдік кемшіліктер туралы хабарлама",
        "search_report": "Іздеу есебі",
        "office_action": "Сараптама сұрауы",
        "intention_to_grant": "Патент беру ниеті туралы хабарлама",
        "decision_refusal": "Бас тарту туралы шешім",
        "decision_grant": "Патент беру туралы шешім",
        "loss_of_rights": "Құқықтан айырылу туралы хабарлама",
        "reminder": "Еске салу: жауап күтетін оқылмаған хабарлама",
        "renewal_reminder": "Патентті ұстап тұру бажы төленбеген",
    },
    "tr": {
        "deficiency_notice": "Şekli eksiklik bildirimi",
        "search_report": "Araştırma raporu",
        "office_action": "İnceleme bildirimi",
        "intention_to_grant": "Patent verme niyeti bildirimi",
        "decision_refusal": "Başvurunun reddi kararı",
        "decision_grant": "Patent verilmesi kararı",
        "loss_of_rights": "Hak kaybı bildirimi",
        "reminder": "Hatırlatma: yanıt bekleyen okunmamış bildirim",
        "renewal_reminder": "Yıllık ücret henüz ödenmedi",
    },
    "az": {
        "deficiency_notice": "Formal çatışmazlıqlar barədə bildiriş",
        "search_report": "Axtarış hesabatı",
        "office_action": "Ekspertiza sorğusu",
        "intention_to_grant": "Patent vermək niyyəti barədə bildiriş",
        "decision_refusal": "İddiadan imtina qərarı",
        "decision_grant": "Patent verilməsi qərarı",
        "loss_of_rights": "Hüquqların itirilməsi barədə bildiriş",
        "reminder": "Xatırlatma: cavab gözləyən oxunmamış bildiriş",
        "renewal_reminder": "İllik rüsum hələ ödənilməyib",
    },
    "ky": {
        "deficiency_notice": "Формалдуу кемчиликтер жөнүндө билдирүү",
        "search_report": "Издөө отчёту",
        "office_action": "Экспертиза суроо-талабы",
        "intention_to_grant": "Патент берүү ниети жөнүндө билдирүү",
        "decision_refusal": "Баш тартуу чечими",
        "decision_grant": "Патент берүү чечими",
        "loss_of_rights": "Укуктан ажыроо жөнүндө билдирүү",
        "reminder": "Эскертме: жооп күткөн окулбаган билдирүү",
        "renewal_reminder": "Патентти колдоо алымы төлөнгөн жок",
    },
    "uz": {
        "deficiency_notice": "Rasmiy kamchiliklar to'g'risida bildirishnoma",
        "search_report": "Qidiruv hisoboti",
        "office_action": "Ekspertiza so'rovi",
        "intention_to_grant": "Patent berish niyati to'g'risida bildirishnoma",
        "decision_refusal": "Rad etish to'g'risida qaror",
        "decision_grant": "Patent berish to'g'risida qaror",
        "loss_of_rights": "Huquqlarni yo'qotish to'g'risida bildirishnoma",
        "reminder": "Eslatma: javob kutayotgan o'qilmagan bildirishnoma",
        "renewal_reminder": "Patentni saqlash boji to'lanmagan",
    },
}
"""Labels of the kinds of communication; a kind missing in a language falls back to English, then to its name."""

LINES: dict[str, dict[str, str]] = {
    "en": {
        "intro": "A communication on application {number} has been made available in your CTPO inbox.",
        "notified": "It is deemed notified on {date}; time limits run from that date.",
        "reply": "Reply by {due} (time limit: {kind}).",
        "read": "Read it in the inbox: GET /inbox/{id}",
        "renewal": (
            "The renewal fee for year {year} ({states}) was due on {due}; "
            "it may still be paid with the additional fee until {grace} (EPC Rule 51(2))."
        ),
    },
    "ru": {
        "intro": "По заявке {number} в ваш электронный ящик ЦТПО поступило сообщение.",
        "notified": "Оно считается врученным {date}; сроки исчисляются с этой даты.",
        "reply": "Ответ — до {due} (срок: {kind}).",
        "read": "Прочитать: GET /inbox/{id}",
        "renewal": (
            "Пошлина за {year}-й год ({states}) подлежала уплате {due}; "
            "её можно уплатить с дополнительной пошлиной до {grace} (Правило 51(2) ЕПК)."
        ),
    },
    "kk": {
        "intro": "{number} өтінім бойынша CTPO электрондық жәшігіңізге хабарлама түсті.",
        "notified": "Ол {date} күні табыс етілген болып саналады; мерзімдер осы күннен есептеледі.",
        "reply": "Жауап беру мерзімі: {due} ({kind}).",
        "read": "Оқу: GET /inbox/{id}",
        "renewal": (
            "{year}-жылғы баж ({states}) {due} күні төленуі тиіс еді; "
            "оны қосымша бажбен {grace} дейін төлеуге болады (ЕПК 51(2)-ереже)."
        ),
    },
    "tr": {
        "intro": "{number} sayılı başvuruya ilişkin bir bildirim CTPO gelen kutunuza konuldu.",
        "notified": "{date} tarihinde tebliğ edilmiş sayılır; süreler bu tarihten itibaren işler.",
        "reply": "Son yanıt tarihi: {due} (süre: {kind}).",
        "read": "Okuyun: GET /inbox/{id}",
        "renewal": (
            "{year}. yıl ücreti ({states}) {due} tarihinde ödenmeliydi; "
            "ek ücretle {grace} tarihine kadar ödenebilir (EPC Kural 51(2))."
        ),
    },
    "az": {
        "intro": "{number} nömrəli iddia üzrə bildiriş CTPO elektron qutunuza yerləşdirildi.",
        "notified": "O, {date} tarixində təqdim edilmiş sayılır; müddətlər bu tarixdən hesablanır.",
        "reply": "Cavab müddəti: {due} ({kind}).",
        "read": "Oxuyun: GET /inbox/{id}",
        "renewal": (
            "{year}-ci il rüsumu ({states}) {due} tarixində ödənilməli idi; "
            "əlavə rüsumla {grace} tarixinədək ödənilə bilər (APK Qayda 51(2))."
        ),
    },
    "ky": {
        "intro": "{number} арыз боюнча CTPO электрондук кутуңузга билдирүү келди.",
        "notified": "Ал {date} күнү тапшырылган деп эсептелет; мөөнөттөр ушул күндөн эсептелет.",
        "reply": "Жооп берүү мөөнөтү: {due} ({kind}).",
        "read": "Окуу: GET /inbox/{id}",
        "renewal": (
            "{year}-жылдын алымы ({states}) {due} күнү төлөнүшү керек эле; "
            "аны кошумча алым менен {grace} чейин төлөөгө болот (ЕПК 51(2)-эреже)."
        ),
    },
    "uz": {
        "intro": "{number} raqamli talabnoma bo'yicha CTPO elektron qutingizga bildirishnoma joylashtirildi.",
        "notified": "U {date} sanasida topshirilgan hisoblanadi; muddatlar shu sanadan hisoblanadi.",
        "reply": "Javob muddati: {due} ({kind}).",
        "read": "O'qish: GET /inbox/{id}",
        "renewal": (
            "{year}-yil boji ({states}) {due} sanasida to'lanishi kerak edi; "
            "uni qo'shimcha boj bilan {grace} gacha to'lash mumkin (EPK 51(2)-qoida)."
        ),
    },
}
"""The sentences of a notification e-mail and inbox entry, per language."""


def label(language: str, kind: str) -> str:
    """The label of a kind of communication in ``language``."""
    return KIND_LABELS.get(language, {}).get(kind) or KIND_LABELS["en"].get(kind) or kind.replace("_", " ")


def line(language: str, name: str, **values: object) -> str:
    """One sentence in ``language`` (English where missing)."""
    return LINES.get(language, LINES["en"])[name].format(**values)
