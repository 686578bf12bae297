"""Fictional people and accounts for trying every role. Every record is marked as demo."""

DEMO_PASSWORD = "Demo-Bridge-2026!"
DEMO_DOMAIN = "demo.regionbridge.example"

# (organization key, name_en, name_uk, title_en, title_uk, languages, rank, contacts)
PEOPLE = [
    (
        "presidential-office",
        "Andrii Melnyk",
        "Андрій Мельник",
        "Adviser on regional partnerships",
        "Радник з питань регіональних партнерств",
        "uk,en",
        10,
        [("email", "a.melnyk"), ("phone", "+380 44 000 0101")],
    ),
    (
        "mfa",
        "Iryna Bondarenko",
        "Ірина Бондаренко",
        "Head of the Regional Cooperation Division",
        "Начальниця відділу регіонального співробітництва",
        "uk,en,de",
        10,
        [("email", "i.bondarenko"), ("phone", "+380 44 000 0201")],
    ),
    (
        "mindev",
        "Serhii Tkachenko",
        "Сергій Ткаченко",
        "Director of International Regional Cooperation",
        "Директор з міжнародного регіонального співробітництва",
        "uk,en",
        10,
        [("email", "s.tkachenko"), ("phone", "+380 44 000 0301")],
    ),
    (
        "embassy-us",
        "Mariia Shevchuk",
        "Марія Шевчук",
        "Counsellor for regional partnerships",
        "Радниця з питань регіональних партнерств",
        "uk,en",
        10,
        [("email", "m.shevchuk"), ("phone", "+1 202 000 0101")],
    ),
    (
        "consulate-chicago",
        "Taras Hnatiuk",
        "Тарас Гнатюк",
        "Consul",
        "Консул",
        "uk,en",
        20,
        [("email", "t.hnatiuk"), ("phone", "+1 312 000 0101")],
    ),
    (
        "rma-UA-18",
        "Viktor Demianchuk",
        "Віктор Дем'янчук",
        "Head of the Zhytomyr Oblast Military Administration",
        "Голова Житомирської обласної військової адміністрації",
        "uk,en",
        1,
        [("email", "v.demianchuk"), ("mobile", "+380 67 000 1801")],
    ),
    (
        "rma-UA-18",
        "Nataliia Kravets",
        "Наталія Кравець",
        "Head of the International Cooperation Department",
        "Начальниця управління міжнародного співробітництва",
        "uk,en,pl",
        10,
        [("email", "n.kravets"), ("signal", "+380 67 000 1802")],
    ),
    (
        "rma-UA-32",
        "Oleh Savchenko",
        "Олег Савченко",
        "Deputy Head for international cooperation",
        "Заступник голови з питань міжнародного співробітництва",
        "uk,en",
        5,
        [("email", "o.savchenko")],
    ),
    (
        "rma-UA-74",
        "Yuliia Moroz",
        "Юлія Мороз",
        "Head of the Foreign Economic Relations Unit",
        "Начальниця відділу зовнішньоекономічних зв'язків",
        "uk,en",
        10,
        [("email", "y.moroz")],
    ),
    (
        "rma-UA-23",
        "Dmytro Lysenko",
        "Дмитро Лисенко",
        "Adviser to the Head on partnerships with US states",
        "Радник голови з питань партнерства зі штатами США",
        "uk,en",
        10,
        [("email", "d.lysenko")],
    ),
    (
        "gov-US-IN",
        "Emily Carter",
        "Емілі Картер",
        "Director of International Partnerships, Office of the Governor",
        "Директорка з міжнародних партнерств, Офіс губернатора",
        "en",
        10,
        [("email", "e.carter"), ("phone", "+1 317 000 0101")],
    ),
    (
        "gov-US-WA",
        "Daniel Brooks",
        "Деніел Брукс",
        "Senior Trade Officer",
        "Старший радник з питань торгівлі",
        "en",
        10,
        [("email", "d.brooks")],
    ),
    (
        "gov-US-UT",
        "Rachel Nguyen",
        "Рейчел Нгуєн",
        "Director of International Affairs",
        "Директорка з міжнародних справ",
        "en,vi",
        10,
        [("email", "r.nguyen")],
    ),
    (
        "gov-US-MN",
        "Erik Lindqvist",
        "Ерік Ліндквіст",
        "Trade Representative for Europe",
        "Торговий представник у Європі",
        "en,sv",
        10,
        [("email", "e.lindqvist")],
    ),
    (
        "gov-US-PA",
        "Michael O'Connor",
        "Майкл О'Коннор",
        "Deputy Secretary for International Business Development",
        "Заступник секретаря з міжнародного розвитку бізнесу",
        "en",
        10,
        [("email", "m.oconnor")],
    ),
    (
        "demo-rehab-zhytomyr",
        "Halyna Petrenko",
        "Галина Петренко",
        "Director",
        "Директорка",
        "uk,en",
        10,
        [("email", "h.petrenko")],
    ),
]

# A fictional institution, so the institution role has something to belong to.
INSTITUTION = {
    "key": "demo-rehab-zhytomyr",
    "kind": "institution",
    "institution_type": "rehabilitation",
    "name_en": "Polissia Rehabilitation Center (demo)",
    "name_uk": "Реабілітаційний центр «Полісся» (демо)",
    "region": "UA-18",
}

# (local part, role, region, organization key, full name, language, superuser, person name_en)
ACCOUNTS = [
    (
        "admin",
        "coordinator",
        None,
        "presidential-office",
        "Back-office administrator",
        "uk",
        True,
        None,
    ),
    (
        "coordinator",
        "coordinator",
        None,
        "presidential-office",
        "Andrii Melnyk",
        "uk",
        False,
        "Andrii Melnyk",
    ),
    ("mfa", "ministry", None, "mfa", "Iryna Bondarenko", "uk", False, "Iryna Bondarenko"),
    ("mindev", "ministry", None, "mindev", "Serhii Tkachenko", "uk", False, "Serhii Tkachenko"),
    ("embassy", "embassy", None, "embassy-us", "Mariia Shevchuk", "uk", False, "Mariia Shevchuk"),
    ("zhytomyr", "regional", "UA-18", None, "Nataliia Kravets", "uk", False, "Nataliia Kravets"),
    ("indiana", "partner", "US-IN", None, "Emily Carter", "en", False, "Emily Carter"),
    (
        "institution",
        "institution",
        None,
        "demo-rehab-zhytomyr",
        "Halyna Petrenko",
        "uk",
        False,
        "Halyna Petrenko",
    ),
]

# Fictional negotiations between pairs with no real tie in the facts file.
# (Ukrainian region, partner state, spheres, confidential, first event, days ago, next step in
# English, next step in Ukrainian)
NEGOTIATIONS = [
    (
        "UA-53",
        "US-NE",
        ["agriculture", "education"],
        True,
        "reported_negotiating",
        75,
        "Agree the text of a memorandum on agri-tech exchange",
        "Погодити текст меморандуму про обмін в агротехнологіях",
    ),
    (
        "UA-05",
        "US-WI",
        ["healthcare", "culture"],
        False,
        "first_contact",
        30,
        "Video call between the heads' offices",
        "Відеодзвінок між офісами керівників",
    ),
    (
        "UA-59",
        "US-KY",
        ["reconstruction", "energy"],
        False,
        "reported_negotiating",
        120,
        "Ministry clearance of the draft memorandum",
        "Погодження проєкту меморандуму в міністерствах",
    ),
]

# Fictional institutions: (key, type, name_en, name_uk, region)
INSTITUTIONS = [
    (
        "demo-zt-childrens-hospital",
        "hospital",
        "Zhytomyr Regional Children's Hospital (demo)",
        "Житомирська обласна дитяча лікарня (демо)",
        "UA-18",
    ),
    (
        "demo-in-childrens-hospital",
        "hospital",
        "Hoosier Children's Hospital (demo)",
        "Дитяча лікарня «Гузієр» (демо)",
        "US-IN",
    ),
    (
        "demo-zt-polytechnic",
        "university",
        "Zhytomyr Polytechnic Institute (demo)",
        "Житомирський політехнічний інститут (демо)",
        "UA-18",
    ),
    (
        "demo-in-state-college",
        "university",
        "Wabash Valley State College (demo)",
        "Коледж штату «Вобаш-Веллі» (демо)",
        "US-IN",
    ),
]

# Fictional institutions for the needs and offers: (key, type, name_en, name_uk, region)
MATCHING_INSTITUTIONS = [
    (
        "demo-zt-pedagogical-university",
        "university",
        "Polissia Pedagogical University (demo)",
        "Поліський педагогічний університет (демо)",
        "UA-18",
    ),
    (
        "demo-il-saturday-school",
        "diaspora",
        "Ukrainian Saturday School of Chicago (demo)",
        "Українська суботня школа Чикаго (демо)",
        "US-IL",
    ),
]

# Needs and offers, posted through the matching services by the demo account named in "by"
# (its local part) for the organization keyed in "organization", in the region of that
# organization. The first is the article's example; the last need has no fitting offer.
NEEDS_AND_OFFERS: list[dict] = [
    {
        "by": "institution",
        "organization": "demo-rehab-zhytomyr",
        "kind": "need",
        "title": "Протезування верхніх кінцівок для ветеранів",
        "description": (
            "Шукаємо партнера для протезування верхніх кінцівок: підбір і припасування "
            "протезів рук і кисті, навчання користуванню ними та тренування побутових навичок "
            "для ветеранів після ампутацій. Маємо відділення фізичної терапії та ерготерапії; "
            "бракує досвіду з біонічними протезами і навчання наших протезистів."
        ),
        "sphere": "healthcare",
        "topics": ["prosthetics", "upper_limb", "veterans"],
        "institution_type": "rehabilitation",
        "scale": "40 ветеранів на рік, 4 фахівці на навчання",
        "timing": "з вересня 2026 року",
        "audience": "members",
    },
    {
        "by": "indiana",
        "organization": "gov-US-IN",
        "kind": "offer",
        "title": "Upper-limb prosthetics fitting and training",
        "description": (
            "The prosthetics and orthotics team of Hoosier Children's Hospital (demo) and its "
            "adult partner clinics fit arm and hand prostheses, myoelectric ones included, and "
            "train amputees, veterans among them, to use them in daily life. We offer remote "
            "case reviews, two-week placements in Indianapolis for prosthetists and occupational "
            "therapists, and follow-up by video."
        ),
        "sphere": "healthcare",
        "topics": ["prosthetics", "upper_limb", "occupational_therapy"],
        "institution_type": "hospital",
        "scale": "Up to 6 specialists a year",
        "timing": "From spring 2026",
        "audience": "members",
    },
    {
        "by": "zhytomyr",
        "organization": "rma-UA-18",
        "kind": "need",
        "title": "Психологічна допомога дітям з ПТСР",
        "description": (
            "У школах області багато дітей із родин військових і переселенців з ознаками "
            "посттравматичного стресового розладу. Потрібне навчання шкільних психологів "
            "методам роботи з травмою та регулярна супервізія їхньої роботи."
        ),
        "sphere": "healthcare",
        "topics": ["ptsd", "children", "mental_health"],
        "institution_type": "school",
        "scale": "60 шкільних психологів",
        "timing": "навчальний рік 2026–2027",
        "audience": "members",
    },
    {
        "by": "coordinator",
        "organization": "demo-in-childrens-hospital",
        "kind": "offer",
        "title": "Trauma-informed counselling training for school staff",
        "description": (
            "Our child psychiatry department trains school counsellors and psychologists in "
            "trauma-focused therapy for children and teenagers affected by war and "
            "displacement: an online course in English with interpretation, then monthly "
            "group supervision for a year."
        ),
        "sphere": "healthcare",
        "topics": ["trauma_therapy", "children", "mental_health"],
        "institution_type": "hospital",
        "scale": "Two cohorts of 30",
        "timing": "Starting in autumn 2026",
        "audience": "partners",
    },
    {
        "by": "coordinator",
        "organization": "demo-zt-pedagogical-university",
        "kind": "offer",
        "title": "Викладачі української мови для шкіл діаспори",
        "description": (
            "Кафедра української філології готова проводити онлайн-уроки української мови й "
            "літератури для дітей суботніх шкіл за кордоном, надати підручники й методичні "
            "матеріали та навчати місцевих учителів."
        ),
        "sphere": "education",
        "topics": ["ukrainian_learning", "diaspora_schools", "teacher_training"],
        "institution_type": "university",
        "scale": "8 викладачів, до 10 груп",
        "timing": "щосуботи, з жовтня",
        "audience": "members",
    },
    {
        "by": "coordinator",
        "organization": "demo-il-saturday-school",
        "kind": "need",
        "title": "Teachers of Ukrainian for our Saturday school",
        "description": (
            "Our school in Chicago's Ukrainian Village teaches 120 children, many of them "
            "recently arrived. We need qualified teachers of Ukrainian (live online lessons "
            "are fine) and textbooks for grades 1 to 6."
        ),
        "sphere": "diaspora",
        "topics": ["ukrainian_learning", "diaspora_schools"],
        "institution_type": "diaspora",
        "scale": "6 classes, 120 children",
        "timing": "School year 2026–2027",
        "audience": "members",
    },
    {
        "by": "indiana",
        "organization": "gov-US-IN",
        "kind": "offer",
        "title": "Backup generators for hospitals and shelters",
        "description": (
            "Indiana utilities donate twelve refurbished 100 kW diesel generators with "
            "transfer switches, and train local technicians to install and maintain them "
            "before winter."
        ),
        "sphere": "energy",
        "topics": ["generators", "winterization"],
        "institution_type": "",
        "scale": "12 generators",
        "timing": "Shipping in September",
        "audience": "members",
    },
    {
        "by": "zhytomyr",
        "organization": "rma-UA-18",
        "kind": "need",
        "title": "Реставрація дерев'яної церкви XVIII століття",
        "description": (
            "Дерев'яна церква в селі на Поліссі потребує обстеження конструкцій, "
            "реставраторів із досвідом роботи з давнім деревом і коштів на новий дах."
        ),
        "sphere": "culture",
        "topics": ["heritage_restoration"],
        "institution_type": "cultural",
        "scale": "одна пам'ятка",
        "timing": "до кінця 2027 року",
        "audience": "members",
    },
]
