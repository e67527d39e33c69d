//! The frame of every page (landmarks, skip link, language switch, a small
//! stylesheet inline: nothing is fetched from elsewhere), the two languages'
//! texts and HTML escaping.

/// The interface's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Czech (the default).
    Cs,
    /// English.
    En,
}

impl Lang {
    /// `lang=en` in the query string chooses English; anything else Czech.
    pub fn from_query(query: &str) -> Self {
        if query.split('&').any(|kv| kv == "lang=en") {
            Self::En
        } else {
            Self::Cs
        }
    }

    /// The BCP 47 code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Cs => "cs",
            Self::En => "en",
        }
    }

    /// The phrase in this language, for phrases of one page.
    pub fn tr(self, cs: &'static str, en: &'static str) -> &'static str {
        match self {
            Self::Cs => cs,
            Self::En => en,
        }
    }

    /// The interface's texts in this language.
    pub fn texts(self) -> &'static Texts {
        match self {
            Self::Cs => &CS,
            Self::En => &EN,
        }
    }
}

/// What the pages say: one field per phrase, named by what it is.
#[allow(missing_docs)]
pub struct Texts {
    pub site: &'static str,
    pub skip: &'static str,
    pub other_language: &'static str,
    pub search_title: &'static str,
    pub words: &'static str,
    pub kind: &'static str,
    pub kraj: &'static str,
    pub any: &'static str,
    pub free_now: &'static str,
    pub search: &'static str,
    pub services_found: &'static str,
    pub free_places: &'static str,
    pub pages: &'static str,
    pub page: &'static str,
    pub previous: &'static str,
    pub next: &'static str,
    pub bad_filters: &'static str,
    pub no_service: &'static str,
    pub provider: &'static str,
    pub last_verified: &'static str,
    pub never: &'static str,
    pub facilities: &'static str,
    pub vacancies: &'static str,
    pub vacancies_caption: &'static str,
    pub facility: &'static str,
    pub reported: &'static str,
    pub stale: &'static str,
    pub footer: &'static str,
    pub board_title: &'static str,
    pub board_caption: &'static str,
    pub service: &'static str,
    pub main_menu: &'static str,
    pub map_title: &'static str,
    pub services_label: &'static str,
    pub coloured_by: &'static str,
    pub whole_country: &'static str,
    pub no_boundaries: &'static str,
    pub orp: &'static str,
    pub stats_title: &'static str,
    pub no_norms: &'static str,
    pub day: &'static str,
    pub show: &'static str,
    pub coverage: &'static str,
    pub capacity: &'static str,
    pub need: &'static str,
    pub download_csv: &'static str,
    pub surveys: &'static str,
    pub planning: &'static str,
    pub for_providers: &'static str,
    pub community_planning: &'static str,
    pub plans_and_groups: &'static str,
    pub calendar: &'static str,
    pub documents: &'static str,
    pub news: &'static str,
    pub jobs: &'static str,
    pub forum: &'static str,
    pub grants: &'static str,
    pub calendar_for_app: &'static str,
    pub cancelled: &'static str,
    pub no_events: &'static str,
    pub version: &'static str,
    pub no_documents: &'static str,
    pub no_news: &'static str,
    pub until: &'static str,
    pub no_jobs: &'static str,
    pub section: &'static str,
    pub public_section: &'static str,
    pub professional_section: &'static str,
    pub professional_signed_in: &'static str,
    pub untitled: &'static str,
    pub posts: &'static str,
    pub locked: &'static str,
    pub new_thread: &'static str,
    pub name_you_write_under: &'static str,
    pub thread_title: &'static str,
    pub text: &'static str,
    pub open_thread: &'static str,
    pub write_signed_in: &'static str,
    pub sign_in: &'static str,
    pub author_erased: &'static str,
    pub hidden_by_moderator: &'static str,
    pub thread_locked: &'static str,
    pub reply: &'static str,
    pub send: &'static str,
    pub thread: &'static str,
    pub professional_for_accounts: &'static str,
    pub grant_calls: &'static str,
    pub call: &'static str,
    pub territory: &'static str,
    pub budget: &'static str,
    pub deadline: &'static str,
    pub applications_decided: &'static str,
    pub granted: &'static str,
    pub call_cancelled: &'static str,
    pub call_open: &'static str,
    pub no_such_call: &'static str,
    pub for_kinds: &'static str,
    pub all_kinds: &'static str,
    pub requested_granted: &'static str,
    pub criteria: &'static str,
    pub criterion: &'static str,
    pub weight: &'static str,
    pub most_points: &'static str,
    pub decided_applications: &'static str,
    pub applicant: &'static str,
    pub requested: &'static str,
    pub average_score: &'static str,
    pub reasons: &'static str,
    pub none_given: &'static str,
    pub forms_capacities: &'static str,
    pub target_groups: &'static str,
    pub age_groups: &'static str,
    pub serves_territory: &'static str,
    pub opening_hours: &'static str,
    pub contacts: &'static str,
    pub ended_notice: &'static str,
    pub suspended_notice: &'static str,
    pub around_the_clock: &'static str,
    pub categories: &'static str,
    pub address_secret: &'static str,
    pub closed_since: &'static str,
    pub no_such_provider: &'static str,
    pub legal_form: &'static str,
    pub registered_office: &'static str,
    pub services_heading: &'static str,
    pub services_by_kind: &'static str,
    pub no_data_yet: &'static str,
    pub providers: &'static str,
    pub providers_and_services: &'static str,
    pub services_lower: &'static str,
    pub providers_lower: &'static str,
    pub month: &'static str,
    pub capacity_beds: &'static str,
    pub capacity_clients: &'static str,
    pub areas: &'static str,
    pub by_kraj: &'static str,
    pub coverage_of_need: &'static str,
    pub last_year: &'static str,
    pub czech_republic: &'static str,
    pub answered: &'static str,
    pub answer: &'static str,
    pub count: &'static str,
    pub other_answer: &'static str,
    pub mean: &'static str,
    pub median: &'static str,
    pub range: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    pub more_filters: &'static str,
    pub paragraph_of_act: &'static str,
    pub target_group: &'static str,
    pub form_of_provision: &'static str,
    pub residential: &'static str,
    pub outpatient: &'static str,
    pub field: &'static str,
    pub orp_long: &'static str,
    pub municipality: &'static str,
    pub category: &'static str,
    pub near_a_place: &'static str,
    pub latitude: &'static str,
    pub longitude: &'static str,
    pub radius_km: &'static str,
    pub use_my_location: &'static str,
    pub order: &'static str,
    pub by_relevance: &'static str,
    pub by_name: &'static str,
    pub by_distance: &'static str,
    pub by_free_places: &'static str,
    pub by_last_change: &'static str,
    pub community_plans: &'static str,
    pub revision_in_force: &'static str,
    pub no_approved_revision: &'static str,
    pub no_plan_yet: &'static str,
    pub working_groups: &'static str,
    pub members: &'static str,
    pub community_plan: &'static str,
    pub no_such_plan: &'static str,
    pub revisions: &'static str,
    pub revision: &'static str,
    pub revision_proposed: &'static str,
    pub revision_approved: &'static str,
    pub revision_rejected: &'static str,
    pub in_force: &'static str,
    pub plan_no_content: &'static str,
    pub content_for: &'static str,
    pub goal: &'static str,
    pub measure: &'static str,
    pub responsible: &'static str,
    pub term: &'static str,
    pub budget_czk: &'static str,
    pub fulfilment: &'static str,
    pub comments: &'static str,
    pub no_such_group: &'static str,
    pub members_caption: &'static str,
    pub organisation: &'static str,
    pub side_of_triad: &'static str,
    pub triad_users: &'static str,
    pub triad_providers: &'static str,
    pub triad_commissioners: &'static str,
    pub person_not_named: &'static str,
    pub meetings: &'static str,
    pub minutes: &'static str,
    pub methodologists_and_curators: &'static str,
    pub by_kind: &'static str,
    pub methodologist: &'static str,
    pub social_curator: &'static str,
    pub coverage_percent: &'static str,
    pub map_of_facilities: &'static str,
    pub login_label: &'static str,
    pub password: &'static str,
    pub sign_in_title: &'static str,
    pub wrong_login: &'static str,
    pub too_many_attempts: &'static str,
    pub responses: &'static str,
    pub no_surveys: &'static str,
    pub no_such_survey: &'static str,
    pub status: &'static str,
    pub anonymous: &'static str,
    pub survey_asks_others: &'static str,
    pub sign_in_to_answer: &'static str,
    pub answered_before: &'static str,
    pub results: &'static str,
    pub responses_asked: &'static str,
    pub response_rate: &'static str,
    pub download_answers: &'static str,
    pub your_answer: &'static str,
    pub for_provider: &'static str,
    pub send_answer: &'static str,
    pub editing: &'static str,
    pub service_description: &'static str,
    pub emails_comma: &'static str,
    pub phones_comma: &'static str,
    pub webs_comma: &'static str,
    pub save_changes: &'static str,
    pub record_history: &'static str,
    pub record: &'static str,
    pub events_oldest_first: &'static str,
    pub version_heading: &'static str,
    pub when: &'static str,
    pub who: &'static str,
    pub event: &'static str,
    pub data: &'static str,
    pub audit_api_hint: &'static str,
    pub survey_open: &'static str,
    pub survey_closed: &'static str,
    pub survey_in_preparation: &'static str,
    pub answer_saved: &'static str,
    pub withheld_too_few: &'static str,
    pub withheld_for_organisers: &'static str,
    pub no_sign_in_here: &'static str,
    pub commands_unreachable: &'static str,
}

const CS: Texts = Texts {
    site: "Portál sociálních služeb",
    skip: "Přeskočit na obsah",
    other_language: "English",
    search_title: "Hledat sociální služby",
    words: "Co hledáte",
    kind: "Druh služby",
    kraj: "Kraj",
    any: "jakýkoli",
    free_now: "jen s volnými místy nyní",
    search: "Hledat",
    services_found: "Nalezeno služeb:",
    free_places: "volná místa",
    pages: "Stránky výsledků",
    page: "Strana",
    previous: "předchozí",
    next: "další",
    bad_filters: "Některý z filtrů není platný",
    no_service: "Taková služba není v registru",
    provider: "Poskytovatel",
    last_verified: "Naposledy ověřeno",
    never: "dosud neověřeno",
    facilities: "Místa poskytování",
    vacancies: "Volná místa",
    vacancies_caption: "Poslední hlášení volných míst podle zařízení",
    facility: "Zařízení",
    reported: "Stáří hlášení (dnů)",
    stale: "starší než 7 dní",
    footer: "Data registru poskytovatelů sociálních služeb; otevřená data na /api/v1 a /hsds.",
    board_title: "Volná místa",
    board_caption: "Aktuálně hlášená volná místa, čerstvá hlášení první (volná / kapacita)",
    service: "Služba",
    main_menu: "Hlavní nabídka",
    map_title: "Mapa služeb",
    services_label: "služby",
    coloured_by: "Barva podle",
    whole_country: "celá republika",
    no_boundaries: "Hranice území nejsou načteny; údaje jsou v tabulce.",
    orp: "ORP",
    stats_title: "Kapacita a potřeba",
    no_norms: "Zatím není nastavena žádná norma potřeby; statistiky potřeby se objeví, jakmile ji analytik nastaví.",
    day: "Den",
    show: "Zobrazit",
    coverage: "pokrytí potřeby",
    capacity: "Kapacita",
    need: "Potřeba podle normy",
    download_csv: "Stáhnout tabulku (CSV)",
    surveys: "Ankety",
    planning: "Plánování",
    for_providers: "Pro poskytovatele",
    community_planning: "Komunitní plánování",
    plans_and_groups: "Plány a skupiny",
    calendar: "Kalendář",
    documents: "Dokumenty",
    news: "Aktuality",
    jobs: "Nabídky práce",
    forum: "Fórum",
    grants: "Dotace",
    calendar_for_app: "Kalendář do vaší aplikace (iCalendar)",
    cancelled: "ZRUŠENO",
    no_events: "Žádné nadcházející akce.",
    version: "verze",
    no_documents: "Zatím žádné dokumenty.",
    no_news: "Zatím žádné aktuality.",
    until: "do",
    no_jobs: "Žádné otevřené nabídky.",
    section: "Část",
    public_section: "veřejná",
    professional_section: "odborná",
    professional_signed_in: "odborná (pro přihlášené)",
    untitled: "(bez názvu)",
    posts: "příspěvků",
    locked: "uzamčeno",
    new_thread: "Nové vlákno",
    name_you_write_under: "Jméno, pod kterým píšete",
    thread_title: "Název vlákna",
    text: "Text",
    open_thread: "Založit vlákno",
    write_signed_in: "Psát na webu mohou přihlášení; bez účtu lze psát přes API (/api/v1/forum).",
    sign_in: "Přihlásit se",
    author_erased: "Autor požádal o výmaz.",
    hidden_by_moderator: "Skryto moderátorem",
    thread_locked: "Vlákno je uzamčeno.",
    reply: "Odpovědět",
    send: "Odeslat",
    thread: "Vlákno",
    professional_for_accounts: "Odborná část fóra je jen pro přihlášené účty.",
    grant_calls: "Dotační výzvy",
    call: "Výzva",
    territory: "Území",
    budget: "Rozpočet",
    deadline: "Uzávěrka",
    applications_decided: "Žádosti (rozhodnuto)",
    granted: "Přiděleno",
    call_cancelled: "zrušena",
    call_open: "otevřená",
    no_such_call: "Taková výzva neexistuje.",
    for_kinds: "Pro druhy služeb",
    all_kinds: "všechny",
    requested_granted: "Požadováno / přiděleno",
    criteria: "Hodnoticí kritéria",
    criterion: "Kritérium",
    weight: "Váha (%)",
    most_points: "Nejvýše bodů",
    decided_applications: "Rozhodnuté žádosti",
    applicant: "Žadatel",
    requested: "Požadováno",
    average_score: "Průměrné hodnocení",
    reasons: "Odůvodnění",
    none_given: "neuvedeny",
    forms_capacities: "Formy a kapacity",
    target_groups: "Cílové skupiny",
    age_groups: "Věkové skupiny",
    serves_territory: "Komu slouží (území)",
    opening_hours: "Provozní doba",
    contacts: "Kontakty",
    ended_notice: "Tato služba již není poskytována: její registrace skončila",
    suspended_notice: "Poskytování služby je pozastaveno.",
    around_the_clock: ", nonstop",
    categories: "Kategorie",
    address_secret: "adresa je utajena, obraťte se na kontakty služby",
    closed_since: "uzavřeno od",
    no_such_provider: "Takový poskytovatel není v registru.",
    legal_form: "Právní forma",
    registered_office: "Sídlo",
    services_heading: "Služby",
    services_by_kind: "Počty služeb podle druhu",
    no_data_yet: "Zatím žádná data.",
    providers: "Poskytovatelé",
    providers_and_services: "poskytovatelé a služby",
    services_lower: "služby",
    providers_lower: "poskytovatelé",
    month: "Měsíc",
    capacity_beds: "Kapacita: lůžka",
    capacity_clients: "Kapacita: klienti",
    areas: "Území",
    by_kraj: "kraje",
    coverage_of_need: "Pokrytí potřeby",
    last_year: "Vývoj za poslední rok",
    czech_republic: "Česká republika",
    answered: "odpovědělo",
    answer: "Odpověď",
    count: "Počet",
    other_answer: "jiné",
    mean: "Průměr",
    median: "medián",
    range: "rozsah",
    yes: "ano",
    no: "ne",
    more_filters: "Další filtry",
    paragraph_of_act: "Paragraf zákona č. 108/2006 Sb.",
    target_group: "Cílová skupina",
    form_of_provision: "Forma poskytování",
    residential: "pobytová",
    outpatient: "ambulantní",
    field: "terénní",
    orp_long: "ORP (obec s rozšířenou působností)",
    municipality: "Obec",
    category: "Kategorie",
    near_a_place: "Blízko místa",
    latitude: "Zeměpisná šířka",
    longitude: "Zeměpisná délka",
    radius_km: "Okruh (km)",
    use_my_location: "Použít mou polohu",
    order: "Řadit",
    by_relevance: "podle shody",
    by_name: "podle názvu",
    by_distance: "podle vzdálenosti",
    by_free_places: "podle volných míst",
    by_last_change: "podle poslední změny",
    community_plans: "Komunitní plány",
    revision_in_force: "platná revize",
    no_approved_revision: "zatím bez schválené revize",
    no_plan_yet: "Zatím žádný plán.",
    working_groups: "Pracovní a koordinační skupiny",
    members: "členů",
    community_plan: "Komunitní plán",
    no_such_plan: "Takový plán neexistuje.",
    revisions: "Revize",
    revision: "revize",
    revision_proposed: "návrh",
    revision_approved: "schválená",
    revision_rejected: "zamítnutá",
    in_force: "platná",
    plan_no_content: "Plán zatím nemá obsah.",
    content_for: "Obsah na období",
    goal: "Cíl",
    measure: "Opatření",
    responsible: "Odpovídá",
    term: "Termín",
    budget_czk: "Rozpočet (Kč)",
    fulfilment: "Naplnění",
    comments: "Připomínky",
    no_such_group: "Taková skupina neexistuje.",
    members_caption: "Členové (organizace; jména osob se nezveřejňují)",
    organisation: "Organizace",
    side_of_triad: "Strana triády",
    triad_users: "uživatelé",
    triad_providers: "poskytovatelé",
    triad_commissioners: "zadavatelé",
    person_not_named: "(osoba, jméno se nezveřejňuje)",
    meetings: "Jednání",
    minutes: "Zápis",
    methodologists_and_curators: "Metodici a sociální kurátoři",
    by_kind: "podle druhu",
    methodologist: "metodik/metodička",
    social_curator: "sociální kurátor/ka",
    coverage_percent: "pokrytí potřeby (%)",
    map_of_facilities: "Mapa zařízení",
    login_label: "Přihlašovací jméno",
    password: "Heslo",
    sign_in_title: "Přihlášení",
    wrong_login: "Přihlašovací jméno nebo heslo není správné.",
    too_many_attempts: "Příliš mnoho pokusů; zkuste to za chvíli znovu.",
    responses: "odpovědí",
    no_surveys: "Zatím žádné ankety.",
    no_such_survey: "Taková anketa neexistuje.",
    status: "Stav",
    anonymous: "anonymní",
    survey_asks_others: "Tato anketa se ptá jiných poskytovatelů.",
    sign_in_to_answer: "Přihlaste se jako poskytovatel a odpovězte.",
    answered_before: "Už jste odpověděli; novou odpovědí tu předchozí nahradíte, dokud je anketa otevřená.",
    results: "Výsledky",
    responses_asked: "Odpovědi / oslovení poskytovatelé",
    response_rate: "návratnost",
    download_answers: "Odpovědi ke stažení (CSV)",
    your_answer: "Vaše odpověď",
    for_provider: "Za poskytovatele (IČO)",
    send_answer: "Odeslat odpověď",
    editing: "Úprava údajů",
    service_description: "Popis služby",
    emails_comma: "E-maily (oddělené čárkou)",
    phones_comma: "Telefony (oddělené čárkou)",
    webs_comma: "Weby (oddělené čárkou)",
    save_changes: "Uložit změny",
    record_history: "Historie záznamu",
    record: "Záznam",
    events_oldest_first: "Události záznamu, nejstarší první",
    version_heading: "Verze",
    when: "Kdy",
    who: "Kdo",
    event: "Událost",
    data: "Data",
    audit_api_hint: "Stav k libovolnému okamžiku a rozdíly: API /api/v1/audit/streams/{druh}/{id}/state a /diff.",
    survey_open: "otevřená",
    survey_closed: "uzavřená",
    survey_in_preparation: "připravovaná",
    answer_saved: "Děkujeme, odpověď byla uložena.",
    withheld_too_few: "Výsledky anonymní ankety se zobrazí, až odpovědí budou alespoň 3 (aby nebylo poznat, kdo jak odpověděl).",
    withheld_for_organisers: "Výsledky této ankety vidí jen její autor a správci portálu.",
    no_sign_in_here: "Přihlášení není na tomto serveru k dispozici (služba příkazů není nastavena).",
    commands_unreachable: "Služba příkazů teď neodpovídá; nic nebylo změněno, zkuste to prosím znovu.",
};

const EN: Texts = Texts {
    site: "Portal of social services",
    skip: "Skip to content",
    other_language: "Česky",
    search_title: "Find social services",
    words: "What are you looking for",
    kind: "Kind of service",
    kraj: "Region (kraj)",
    any: "any",
    free_now: "only with free places now",
    search: "Search",
    services_found: "Services found:",
    free_places: "free places",
    pages: "Result pages",
    page: "Page",
    previous: "previous",
    next: "next",
    bad_filters: "A filter is not valid",
    no_service: "No such service in the registry",
    provider: "Provider",
    last_verified: "Last verified",
    never: "not verified yet",
    facilities: "Where it is provided",
    vacancies: "Free places",
    vacancies_caption: "Latest reports of free places by facility",
    facility: "Facility",
    reported: "Age of the report (days)",
    stale: "older than 7 days",
    footer: "Data of the registry of social service providers; open data at /api/v1 and /hsds.",
    board_title: "Free places",
    board_caption: "Free places as reported, fresh reports first (free / capacity)",
    service: "Service",
    main_menu: "Main menu",
    map_title: "Map of services",
    services_label: "services",
    coloured_by: "Coloured by",
    whole_country: "whole country",
    no_boundaries: "No boundaries are loaded; the figures are in the table.",
    orp: "ORP",
    stats_title: "Capacity and need",
    no_norms: "No need norm is set yet; the statistics of need appear once an analyst sets one.",
    day: "Day",
    show: "Show",
    coverage: "coverage of the need",
    capacity: "Capacity",
    need: "Need by the norm",
    download_csv: "Download the table (CSV)",
    surveys: "Surveys",
    planning: "Planning",
    for_providers: "For providers",
    community_planning: "Community planning",
    plans_and_groups: "Plans and groups",
    calendar: "Calendar",
    documents: "Documents",
    news: "News",
    jobs: "Jobs",
    forum: "Forum",
    grants: "Grants",
    calendar_for_app: "The calendar for your app (iCalendar)",
    cancelled: "CANCELLED",
    no_events: "No coming events.",
    version: "version",
    no_documents: "No documents yet.",
    no_news: "No news yet.",
    until: "until",
    no_jobs: "No open postings.",
    section: "Section",
    public_section: "public",
    professional_section: "professional",
    professional_signed_in: "professional (signed in)",
    untitled: "(untitled)",
    posts: "posts",
    locked: "locked",
    new_thread: "New thread",
    name_you_write_under: "The name you write under",
    thread_title: "Title of the thread",
    text: "Text",
    open_thread: "Open the thread",
    write_signed_in: "Signed-in accounts write here; without an account, posts are written through the API (/api/v1/forum).",
    sign_in: "Sign in",
    author_erased: "The author asked to be erased.",
    hidden_by_moderator: "Hidden by a moderator",
    thread_locked: "The thread is locked.",
    reply: "Reply",
    send: "Send",
    thread: "Thread",
    professional_for_accounts: "The forum's professional section is for signed-in accounts.",
    grant_calls: "Grant calls",
    call: "Call",
    territory: "Territory",
    budget: "Budget",
    deadline: "Deadline",
    applications_decided: "Applications (decided)",
    granted: "Granted",
    call_cancelled: "cancelled",
    call_open: "open",
    no_such_call: "No such call.",
    for_kinds: "For kinds of service",
    all_kinds: "all",
    requested_granted: "Requested / granted",
    criteria: "Criteria",
    criterion: "Criterion",
    weight: "Weight (%)",
    most_points: "Most points",
    decided_applications: "Decided applications",
    applicant: "Applicant",
    requested: "Requested",
    average_score: "Average score",
    reasons: "Reasons",
    none_given: "none given",
    forms_capacities: "Forms and capacities",
    target_groups: "Target groups",
    age_groups: "Age groups",
    serves_territory: "Serves (territory)",
    opening_hours: "Opening hours",
    contacts: "Contacts",
    ended_notice: "This service is no longer provided: its registration ended",
    suspended_notice: "The service is suspended.",
    around_the_clock: ", around the clock",
    categories: "Categories",
    address_secret: "the address is kept secret: use the service's contacts",
    closed_since: "closed since",
    no_such_provider: "No such provider in the registry.",
    legal_form: "Legal form",
    registered_office: "Registered office",
    services_heading: "Services",
    services_by_kind: "Services by kind",
    no_data_yet: "No data yet.",
    providers: "Providers",
    providers_and_services: "providers and services",
    services_lower: "services",
    providers_lower: "providers",
    month: "Month",
    capacity_beds: "Capacity: beds",
    capacity_clients: "Capacity: clients",
    areas: "Areas",
    by_kraj: "kraje",
    coverage_of_need: "Coverage of the need",
    last_year: "The last year",
    czech_republic: "Czech Republic",
    answered: "answered",
    answer: "Answer",
    count: "Count",
    other_answer: "other",
    mean: "Mean",
    median: "median",
    range: "range",
    yes: "yes",
    no: "no",
    more_filters: "More filters",
    paragraph_of_act: "§ of Act 108/2006 Sb.",
    target_group: "Target group",
    form_of_provision: "Form of provision",
    residential: "residential",
    outpatient: "outpatient",
    field: "field",
    orp_long: "ORP (municipality with extended powers)",
    municipality: "Municipality",
    category: "Category",
    near_a_place: "Near a place",
    latitude: "Latitude",
    longitude: "Longitude",
    radius_km: "Radius (km)",
    use_my_location: "Use my location",
    order: "Order",
    by_relevance: "by relevance",
    by_name: "by name",
    by_distance: "by distance",
    by_free_places: "by free places",
    by_last_change: "by last change",
    community_plans: "Community plans",
    revision_in_force: "revision in force",
    no_approved_revision: "no approved revision yet",
    no_plan_yet: "No plan yet.",
    working_groups: "Working and coordination groups",
    members: "members",
    community_plan: "Community plan",
    no_such_plan: "No such plan.",
    revisions: "Revisions",
    revision: "revision",
    revision_proposed: "proposed",
    revision_approved: "approved",
    revision_rejected: "rejected",
    in_force: "in force",
    plan_no_content: "The plan has no content yet.",
    content_for: "Content for",
    goal: "Goal",
    measure: "Measure",
    responsible: "Responsible",
    term: "Deadline",
    budget_czk: "Budget (CZK)",
    fulfilment: "Fulfilment",
    comments: "Comments",
    no_such_group: "No such group.",
    members_caption: "Members (organisations; names of persons are not published)",
    organisation: "Organisation",
    side_of_triad: "Side of the triad",
    triad_users: "users",
    triad_providers: "providers",
    triad_commissioners: "commissioners",
    person_not_named: "(a person, not named)",
    meetings: "Meetings",
    minutes: "Minutes",
    methodologists_and_curators: "Methodologists and social curators",
    by_kind: "by kind",
    methodologist: "methodologist",
    social_curator: "social curator",
    coverage_percent: "coverage of the need (%)",
    map_of_facilities: "Map of the facilities",
    login_label: "Login",
    password: "Password",
    sign_in_title: "Sign in",
    wrong_login: "The login or the password is wrong.",
    too_many_attempts: "Too many attempts; try again in a while.",
    responses: "responses",
    no_surveys: "No surveys yet.",
    no_such_survey: "No such survey.",
    status: "Status",
    anonymous: "anonymous",
    survey_asks_others: "This survey asks other providers.",
    sign_in_to_answer: "Sign in as a provider to answer.",
    answered_before: "You have answered; a new answer replaces it while the survey is open.",
    results: "Results",
    responses_asked: "Responses / providers asked",
    response_rate: "response rate",
    download_answers: "Download the answers (CSV)",
    your_answer: "Your answer",
    for_provider: "For the provider (IČO)",
    send_answer: "Send the answer",
    editing: "Editing",
    service_description: "Description of the service",
    emails_comma: "E-mails (separated by commas)",
    phones_comma: "Phones (separated by commas)",
    webs_comma: "Websites (separated by commas)",
    save_changes: "Save the changes",
    record_history: "History of a record",
    record: "Record",
    events_oldest_first: "The record's events, oldest first",
    version_heading: "Version",
    when: "When",
    who: "Who",
    event: "Event",
    data: "Data",
    audit_api_hint: "The state at any moment and differences: the API /api/v1/audit/streams/{kind}/{id}/state and /diff.",
    survey_open: "open",
    survey_closed: "closed",
    survey_in_preparation: "in preparation",
    answer_saved: "Thank you, the answer was saved.",
    withheld_too_few: "The results of an anonymous survey are shown once there are at least 3 answers (so that nobody can tell who answered what).",
    withheld_for_organisers: "The results of this survey are seen only by its author and the portal's administrators.",
    no_sign_in_here: "Signing in is not available on this server (no command service is configured).",
    commands_unreachable: "The command service does not answer now; nothing was changed, please try again.",
};

/// Escapes text for HTML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The templates' HTML escaper (`askama.toml`): the same entities as [`esc`].
#[derive(Debug, Clone, Copy)]
pub struct Escape;

impl askama::filters::Escaper for Escape {
    fn write_escaped_str<W: std::fmt::Write>(&self, mut dest: W, string: &str) -> std::fmt::Result {
        let mut last = 0;
        for (i, c) in string.char_indices() {
            let entity = match c {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                _ => continue,
            };
            dest.write_str(&string[last..i])?;
            dest.write_str(entity)?;
            last = i + 1;
        }
        dest.write_str(&string[last..])
    }
}

/// A hidden form field.
pub fn hidden(name: &str, value: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
        esc(name),
        esc(value)
    )
}

/// A form of the signed-in pages: posts `action` with these hidden fields to
/// `/moje/akce`, then its visible controls and a button.
pub fn action_form(
    lang: Lang,
    action: &str,
    fields: &[(&str, &str)],
    controls: &str,
    button: &str,
) -> String {
    let mut f = format!(
        "<form method=\"post\" action=\"/moje/akce\">{}{}",
        hidden("lang", lang.code()),
        hidden("action", action)
    );
    for (k, v) in fields {
        f.push_str(&hidden(k, v));
    }
    f.push_str(controls);
    f.push_str(&format!(
        "<button type=\"submit\">{}</button></form>",
        esc(button)
    ));
    f
}

/// What a page says after a form: that it was done, or why not.
pub fn notices(done: Option<&str>, problem: Option<&str>) -> String {
    let mut out = String::new();
    if let Some(text) = done {
        out.push_str(&format!(
            "<p role=\"status\" class=\"ok\">{}</p>",
            esc(text)
        ));
    }
    if let Some(text) = problem {
        out.push_str(&format!(
            "<p role=\"alert\" class=\"problem\">{}</p>",
            esc(text)
        ));
    }
    out
}

/// Colours chosen for contrast above 4.5:1 (WCAG 2.1 AA) on white.
const STYLE: &str = "body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#1a1a1a;background:#fff}\
header,main,footer{max-width:60rem;margin:0 auto;padding:0 1rem}\
header{display:flex;justify-content:space-between;align-items:center;border-bottom:1px solid #767676}\
a{color:#0b4f9c}a:focus,button:focus,input:focus,select:focus,textarea:focus{outline:3px solid #b35c00;outline-offset:2px}\
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem}\
.results li{margin:.75rem 0}table{border-collapse:collapse}th,td{border:1px solid #767676;padding:.25rem .5rem;text-align:left}\
input,select,button,textarea{font:inherit;padding:.25rem}fieldset{margin:.75rem 0;border:1px solid #767676}\
.bar{display:inline-block;height:.8rem;background:#0b4f9c}.ok{border-left:4px solid #1d6b2c;padding-left:.5rem}\
.problem{border-left:4px solid #a4000f;padding-left:.5rem}table.result{margin:1rem 0}table.areas{display:block;overflow-x:auto}svg.facilities{max-width:24rem;width:100%;display:block}dt{font-weight:bold}\
@media (max-width:40rem){header{display:block}table{font-size:.9rem}th,td{padding:.2rem}}footer{border-top:1px solid #767676;margin-top:2rem;font-size:.9rem}";

/// What every page's frame needs: its language, its title (also its
/// heading) and its path (to switch the language on the same page).
pub struct Frame<'a> {
    /// The interface's language.
    pub lang: Lang,
    /// The title and heading.
    pub title: &'a str,
    /// The page's path and query, without `lang`.
    pub path: &'a str,
}

impl Frame<'_> {
    /// The texts in the page's language.
    pub fn t(&self) -> &'static Texts {
        self.lang.texts()
    }

    /// The stylesheet, inline.
    pub fn style(&self) -> &'static str {
        STYLE
    }

    /// The other language's code.
    pub fn other_code(&self) -> &'static str {
        match self.lang {
            Lang::Cs => "en",
            Lang::En => "cs",
        }
    }

    /// This page in the other language.
    pub fn switch_href(&self) -> String {
        let sep = if self.path.contains('?') { '&' } else { '?' };
        format!("{}{sep}lang={}", self.path, self.other_code())
    }

    /// The main menu: path and name.
    pub fn menu(&self) -> [(&'static str, &'static str); 7] {
        let t = self.t();
        [
            ("/", t.search),
            ("/volna-mista", t.board_title),
            ("/mapa", t.map_title),
            ("/statistiky", t.stats_title),
            ("/ankety", t.surveys),
            ("/planovani", t.planning),
            ("/moje", t.for_providers),
        ]
    }

    /// The menu of community planning: path and name.
    pub fn planning_menu(&self) -> [(&'static str, &'static str); 7] {
        let t = self.t();
        [
            ("/planovani", t.plans_and_groups),
            ("/kalendar", t.calendar),
            ("/dokumenty", t.documents),
            ("/aktuality", t.news),
            ("/prace", t.jobs),
            ("/forum", t.forum),
            ("/dotace", t.grants),
        ]
    }
}

/// A page whose content is still HTML made in code, in the frame.
#[derive(askama::Template)]
#[template(path = "html.html")]
struct HtmlPage<'a> {
    frame: Frame<'a>,
    body: &'a str,
}

/// A page that says what went wrong.
#[derive(askama::Template)]
#[template(path = "alert.html")]
pub struct AlertPage<'a> {
    /// The frame.
    pub frame: Frame<'a>,
    /// What went wrong.
    pub text: &'a str,
}

/// A page rendered, or the reason it could not be (a bug in a template's
/// use, never the data: askama's rendering fails only when a value's
/// `Display` does).
pub fn render(template: &impl askama::Template) -> axum::response::Response {
    use axum::response::IntoResponse;
    match template.render() {
        Ok(html) => axum::response::Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "a page did not render");
            (
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "the page could not be rendered",
            )
                .into_response()
        }
    }
}

/// A whole page: `title` as its heading, `path` to switch the language on
/// the same page, `body` HTML made in code (escaped by its maker).
pub fn layout(lang: Lang, title: &str, path: &str, body: &str) -> String {
    use askama::Template;
    HtmlPage {
        frame: Frame { lang, title, path },
        body,
    }
    .render()
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_the_language_read() {
        assert_eq!(
            esc("<a href=\"x\">Tom & Jerry's</a>"),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;"
        );
        assert_eq!(Lang::from_query("q=azyl&lang=en"), Lang::En);
        assert_eq!(Lang::from_query("q=lang=en"), Lang::Cs);
        let page = layout(Lang::En, "A <b>", "/", "<p>x</p>");
        assert!(page.starts_with("<!doctype html><html lang=\"en\">"));
        assert!(page.contains("<title>A &lt;b&gt; — Portal of social services</title>"));
        assert!(page.contains("<main id=\"main\"><h1>A &lt;b&gt;</h1><p>x</p></main>"));
    }
}
