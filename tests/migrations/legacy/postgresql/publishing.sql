--
-- PostgreSQL database dump
--

\restrict ZBTl0paj0vybHlRw9ecAuhmZN0wrk93p9A9wq2peZTYpZbVnwhOnAiSAUNACRS8

-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: calendar_year; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.calendar_year (
    year integer NOT NULL,
    holidays json NOT NULL,
    extra_workdays json NOT NULL,
    status character varying NOT NULL,
    source character varying NOT NULL,
    revision integer NOT NULL,
    updated_at timestamp with time zone NOT NULL
);


--
-- Name: calendar_year_year_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.calendar_year_year_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: calendar_year_year_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.calendar_year_year_seq OWNED BY public.calendar_year.year;


--
-- Name: outbox_message; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.outbox_message (
    id integer NOT NULL,
    event_id character varying(36) NOT NULL,
    event_type character varying NOT NULL,
    topic character varying NOT NULL,
    key character varying NOT NULL,
    body bytea NOT NULL,
    created_at timestamp with time zone NOT NULL,
    published_at timestamp with time zone
);


--
-- Name: outbox_message_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.outbox_message_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: outbox_message_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.outbox_message_id_seq OWNED BY public.outbox_message.id;


--
-- Name: processed_event; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.processed_event (
    consumer character varying(100) NOT NULL,
    event_id character varying(36) NOT NULL,
    processed_at timestamp with time zone NOT NULL
);


--
-- Name: publishing_adoption_report; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.publishing_adoption_report (
    consultation_id character varying NOT NULL,
    review_id character varying NOT NULL,
    content json NOT NULL,
    manifest json NOT NULL,
    published_at timestamp with time zone NOT NULL
);


--
-- Name: publishing_appeal; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.publishing_appeal (
    id character varying NOT NULL,
    case_id character varying,
    kind character varying NOT NULL,
    filed_on date NOT NULL,
    result character varying NOT NULL,
    decided_on date
);


--
-- Name: publishing_case; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.publishing_case (
    case_id character varying NOT NULL,
    channel character varying NOT NULL,
    received_on date NOT NULL,
    department_id character varying,
    department_name character varying,
    due_date date,
    replied_on date,
    rating character varying,
    applicant_type character varying,
    applicant_key character varying,
    description character varying,
    outcome character varying
);


--
-- Name: publishing_comment; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.publishing_comment (
    case_id character varying NOT NULL,
    consultation_id character varying NOT NULL,
    received_on date NOT NULL,
    clause character varying,
    body character varying NOT NULL,
    commenter_name character varying,
    adoption character varying,
    reason character varying,
    decided_on date
);


--
-- Name: publishing_consented_letter; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.publishing_consented_letter (
    case_id character varying NOT NULL,
    mailbox character varying NOT NULL,
    category character varying NOT NULL,
    subject character varying NOT NULL,
    body character varying NOT NULL,
    writer_name character varying,
    received_on date NOT NULL
);


--
-- Name: publishing_consultation; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.publishing_consultation (
    id character varying NOT NULL,
    title character varying NOT NULL,
    summary character varying NOT NULL,
    opens_on date NOT NULL,
    closes_on date NOT NULL,
    short_period_reason character varying,
    status character varying NOT NULL,
    created_at timestamp with time zone NOT NULL,
    document_kind character varying NOT NULL,
    draft_text character varying,
    draft_url character varying
);


--
-- Name: publishing_reply; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.publishing_reply (
    id character varying NOT NULL,
    case_id character varying NOT NULL,
    mailbox character varying NOT NULL,
    category character varying NOT NULL,
    subject character varying NOT NULL,
    question character varying NOT NULL,
    reply character varying NOT NULL,
    department character varying NOT NULL,
    received_on date NOT NULL,
    replied_on date NOT NULL,
    published_at timestamp with time zone NOT NULL,
    manifest json NOT NULL
);


--
-- Name: publishing_review; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.publishing_review (
    id character varying NOT NULL,
    kind character varying NOT NULL,
    subject_id character varying NOT NULL,
    title character varying NOT NULL,
    department_id character varying,
    department_name character varying,
    content json NOT NULL,
    manifest json NOT NULL,
    required integer NOT NULL,
    status character varying NOT NULL,
    created_at timestamp with time zone NOT NULL,
    decided_at timestamp with time zone,
    reason character varying
);


--
-- Name: publishing_review_decision; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.publishing_review_decision (
    review_id character varying NOT NULL,
    reviewer character varying NOT NULL,
    reviewer_name character varying NOT NULL,
    decision character varying NOT NULL,
    reason character varying,
    masked_more integer NOT NULL,
    at timestamp with time zone NOT NULL
);


--
-- Name: calendar_year year; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.calendar_year ALTER COLUMN year SET DEFAULT nextval('public.calendar_year_year_seq'::regclass);


--
-- Name: outbox_message id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.outbox_message ALTER COLUMN id SET DEFAULT nextval('public.outbox_message_id_seq'::regclass);


--
-- Data for Name: calendar_year; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.calendar_year VALUES (2004, '["2004-01-01", "2004-01-22", "2004-01-23", "2004-01-24", "2004-01-25", "2004-01-26", "2004-01-27", "2004-01-28", "2004-05-01", "2004-05-02", "2004-05-03", "2004-05-04", "2004-05-05", "2004-05-06", "2004-05-07", "2004-10-01", "2004-10-02", "2004-10-03", "2004-10-04", "2004-10-05", "2004-10-06", "2004-10-07"]', '["2004-01-17", "2004-01-18", "2004-05-08", "2004-05-09", "2004-10-09", "2004-10-10"]', 'announced', 'chinesecalendar 1.11', 0, '2026-12-01 15:04:34.46637+00');
INSERT INTO public.calendar_year VALUES (2005, '["2005-01-01", "2005-01-02", "2005-01-03", "2005-02-09", "2005-02-10", "2005-02-11", "2005-02-12", "2005-02-13", "2005-02-14", "2005-02-15", "2005-05-01", "2005-05-02", "2005-05-03", "2005-05-04", "2005-05-05", "2005-05-06", "2005-05-07", "2005-10-01", "2005-10-02", "2005-10-03", "2005-10-04", "2005-10-05", "2005-10-06", "2005-10-07"]', '["2005-02-05", "2005-02-06", "2005-04-30", "2005-05-08", "2005-10-08", "2005-10-09"]', 'announced', 'chinesecalendar 1.11', 0, '2026-12-01 15:04:34.475747+00');
INSERT INTO public.calendar_year VALUES (2006, '["2006-01-01", "2006-01-02", "2006-01-03", "2006-01-29", "2006-01-30", "2006-01-31", "2006-02-01", "2006-02-02", "2006-02-03", "2006-02-04", "2006-05-01", "2006-05-02", "2006-05-03", "2006-05-04", "2006-05-05", "2006-05-06", "2006-05-07", "2006-10-01", "2006-10-02", "2006-10-03", "2006-10-04", "2006-10-05", "2006-10-06", "2006-10-07"]', '["2006-01-28", "2006-02-05", "2006-04-29", "2006-04-30", "2006-09-30", "2006-10-08", "2006-12-30", "2006-12-31"]', 'announced', 'chinesecalendar 1.11', 0, '2026-12-01 15:04:34.477146+00');
INSERT INTO public.calendar_year VALUES (2007, '["2007-01-01", "2007-01-02", "2007-01-03", "2007-02-18", "2007-02-19", "2007-02-20", "2007-02-21", "2007-02-22", "2007-02-23", "2007-02-24", "2007-05-01", "2007-05-02", "2007-05-03", "2007-05-04", "2007-05-05", "2007-05-06", "2007-05-07", "2007-10-01", "2007-10-02", "2007-10-03", "2007-10-04", "2007-10-05", "2007-10-06", "2007-10-07", "2007-12-30", "2007-12-31"]', '["2007-02-17", "2007-02-25", "2007-04-28", "2007-04-29", "2007-09-29", "2007-09-30", "2007-12-29"]', 'announced', 'chinesecalendar 1.11', 0, '2026-12-01 15:04:34.47968+00');
INSERT INTO public.calendar_year VALUES (2008, '["2008-01-01", "2008-02-06", "2008-02-07", "2008-02-08", "2008-02-09", "2008-02-10", "2008-02-11", "2008-02-12", "2008-04-04", "2008-04-05", "2008-04-06", "2008-05-01", "2008-05-02", "2008-05-03", "2008-06-07", "2008-06-08", "2008-06-09", "2008-09-13", "2008-09-14", "2008-09-15", "2008-09-29", "2008-09-30", "2008-10-01", "2008-10-02", "2008-10-03", "2008-10-04", "2008-10-05"]', '["2008-02-02", "2008-02-03", "2008-05-04", "2008-09-27", "2008-09-28"]', 'announced', 'chinesecalendar 1.11', 0, '2026-12-01 15:04:34.481241+00');
INSERT INTO public.calendar_year VALUES (2009, '["2009-01-01", "2009-01-02", "2009-01-03", "2009-01-25", "2009-01-26", "2009-01-27", "2009-01-28", "2009-01-29", "2009-01-30", "2009-01-31", "2009-04-04", "2009-04-05", "2009-04-06", "2009-05-01", "2009-05-02", "2009-05-03", "2009-05-28", "2009-05-29", "2009-05-30", "2009-10-01", "2009-10-02", "2009-10-03", "2009-10-04", "2009-10-05", "2009-10-06", "2009-10-07", "2009-10-08"]', '["2009-01-04", "2009-01-24", "2009-02-01", "2009-05-31", "2009-09-27", "2009-10-10"]', 'announced', 'chinesecalendar 1.11', 0, '2026-12-01 15:04:34.482677+00');
INSERT INTO public.calendar_year VALUES (2010, '["2010-01-01", "2010-01-02", "2010-01-03", "2010-02-13", "2010-02-14", "2010-02-15", "2010-02-16", "2010-02-17", "2010-02-18", "2010-02-19", "2010-04-03", "2010-04-04", "2010-04-05", "2010-05-01", "2010-05-02", "2010-05-03", "2010-06-14", "2010-06-15", "2010-06-16", "2010-09-22", "2010-09-23", "2010-09-24", "2010-10-01", "2010-10-02", "2010-10-03", "2010-10-04", "2010-10-05", "2010-10-06", "2010-10-07"]', '["2010-02-20", "2010-02-21", "2010-06-12", "2010-06-13", "2010-09-19", "2010-09-25", "2010-09-26", "2010-10-09"]', 'announced', 'chinesecalendar 1.11', 0, '2026-12-01 15:04:34.484234+00');
INSERT INTO public.calendar_year VALUES (2011, '["2011-01-01", "2011-01-02", "2011-01-03", "2011-02-02", "2011-02-03", "2011-02-04", "2011-02-05", "2011-02-06", "2011-02-07", "2011-02-08", "2011-04-03", "2011-04-04", "2011-04-05", "2011-04-30", "2011-05-01", "2011-05-02", "2011-06-04", "2011-06-06", "2011-09-10", "2011-09-11", "2011-09-12", "2011-10-01", "2011-10-02", "2011-10-03", "2011-10-04", "2011-10-05", "2011-10-06", "2011-10-07"]', '["2011-01-30", "2011-02-12", "2011-04-02", "2011-10-08", "2011-10-09", "2011-12-31"]', 'announced', 'chinesecalendar 1.11', 0, '2026-12-01 15:04:34.485526+00');
INSERT INTO public.calendar_year VALUES (2012, '["2012-01-01", "2012-01-02", "2012-01-03", "2012-01-22", "2012-01-23", "2012-01-24", "2012-01-25", "2012-01-26", "2012-01-27", "2012-01-28", "2012-04-02", "2012-04-03", "2012-04-04", "2012-04-29", "2012-04-30", "2012-05-01", "2012-06-22", "2012-06-24", "2012-09-30", "2012-10-01", "2012-10-02", "2012-10-03", "2012-10-04", "2012-10-05", "2012-10-06", "2012-10-07"]', '["2012-01-21", "2012-01-29", "2012-03-31", "2012-04-01", "2012-04-28", "2012-09-29"]', 'announced', 'chinesecalendar 1.11', 0, '2026-12-01 15:04:34.486596+00');
INSERT INTO public.calendar_year VALUES (2013, '["2013-01-01", "2013-01-02", "2013-01-03", "2013-02-09", "2013-02-10", "2013-02-11", "2013-02-12", "2013-02-13", "2013-02-14", "2013-02-15", "2013-04-04", "2013-04-05", "2013-04-06", "2013-04-29", "2013-04-30", "2013-05-01", "2013-06-10", "2013-06-11", "2013-06-12", "2013-09-19", "2013-09-20", "2013-09-21", "2013-10-01", "2013-10-02", "2013-10-03", "2013-10-04", "2013-10-05", "2013-10-06", "2013-10-07"]', '["2013-01-05", "2013-01-06", "2013-02-16", "2013-02-17", "2013-04-07", "2013-04-27", "2013-04-28", "2013-06-08", "2013-06-09", "2013-09-22", "2013-09-29", "2013-10-12"]', 'announced', 'chinesecalendar 1.11', 0, '2026-12-01 15:04:34.487083+00');
INSERT INTO public.calendar_year VALUES (2014, '["2014-01-01", "2014-01-31", "2014-02-01", "2014-02-02", "2014-02-03", "2014-02-04", "2014-02-05", "2014-02-06", "2014-04-05", "2014-04-06", "2014-04-07", "2014-05-01", "2014-05-02", "2014-05-03", "2014-06-02", "2014-09-08", "2014-10-01", "2014-10-02", "2014-10-03", "2014-10-04", "2014-10-05", "2014-10-06", "2014-10-07"]', '["2014-01-26", "2014-02-08", "2014-05-04", "2014-09-28", "2014-10-11"]', 'announced', 'chinesecalendar 1.11', 0, '2026-12-01 15:04:34.489232+00');
INSERT INTO public.calendar_year VALUES (2015, '["2015-01-01", "2015-01-02", "2015-01-03", "2015-02-18", "2015-02-19", "2015-02-20", "2015-02-21", "2015-02-22", "2015-02-23", "2015-02-24", "2015-04-05", "2015-04-06", "2015-05-01", "2015-06-20", "2015-06-22", "2015-09-03", "2015-09-04", "2015-09-27", "2015-10-01", "2015-10-02", "2015-10-03", "2015-10-04", "2015-10-05", "2015-10-06", "2015-10-07"]', '["2015-01-04", "2015-02-15", "2015-02-28", "2015-09-06", "2015-10-10"]', 'announced', 'chinesecalendar 1.11', 0, '2026-12-01 15:04:34.489684+00');
INSERT INTO public.calendar_year VALUES (2016, '["2016-01-01", "2016-02-07", "2016-02-08", "2016-02-09", "2016-02-10", "2016-02-11", "2016-02-12", "2016-02-13", "2016-04-04", "2016-05-01", "2016-05-02", "2016-06-09", "2016-06-10", "2016-06-11", "2016-09-15", "2016-09-16", "2016-09-17", "2016-10-01", "2016-10-02", "2016-10-03", "2016-10-04", "2016-10-05", "2016-10-06", "2016-10-07"]', '["2016-02-06", "2016-02-14", "2016-06-12", "2016-09-18", "2016-10-08", "2016-10-09"]', 'announced', 'chinesecalendar 1.11', 0, '2026-12-01 15:04:34.490481+00');
INSERT INTO public.calendar_year VALUES (2017, '["2017-01-01", "2017-01-02", "2017-01-27", "2017-01-28", "2017-01-29", "2017-01-30", "2017-01-31", "2017-02-01", "2017-02-02", "2017-04-02", "2017-04-03", "2017-04-04", "2017-05-01", "2017-05-28", "2017-05-29", "2017-05-30", "2017-10-01", "2017-10-02", "2017-10-03", "2017-10-04", "2017-10-05", "2017-10-06", "2017-10-07", "2017-10-08"]', '["2017-01-22", "2017-02-04", "2017-04-01", "2017-05-27", "2017-09-30"]', 'announced', 'chinesecalendar 1.11', 0, '2026-12-01 15:04:34.49224+00');
INSERT INTO public.calendar_year VALUES (2018, '["2018-01-01", "2018-02-15", "2018-02-16", "2018-02-17", "2018-02-18", "2018-02-19", "2018-02-20", "2018-02-21", "2018-04-05", "2018-04-06", "2018-04-07", "2018-04-29", "2018-04-30", "2018-05-01", "2018-06-18", "2018-09-24", "2018-10-01", "2018-10-02", "2018-10-03", "2018-10-04", "2018-10-05", "2018-10-06", "2018-10-07", "2018-12-30", "2018-12-31"]', '["2018-02-11", "2018-02-24", "2018-04-08", "2018-04-28", "2018-09-29", "2018-09-30", "2018-12-29"]', 'announced', 'chinesecalendar 1.11', 0, '2026-12-01 15:04:34.492749+00');
INSERT INTO public.calendar_year VALUES (2019, '["2019-01-01", "2019-02-04", "2019-02-05", "2019-02-06", "2019-02-07", "2019-02-08", "2019-02-09", "2019-02-10", "2019-04-05", "2019-04-06", "2019-04-07", "2019-05-01", "2019-05-02", "2019-05-03", "2019-05-04", "2019-06-07", "2019-06-08", "2019-06-09", "2019-09-13", "2019-09-14", "2019-09-15", "2019-10-01", "2019-10-02", "2019-10-03", "2019-10-04", "2019-10-05", "2019-10-06", "2019-10-07"]', '["2019-02-02", "2019-02-03", "2019-04-28", "2019-05-05", "2019-09-29", "2019-10-12"]', 'announced', 'chinesecalendar 1.11', 0, '2026-12-01 15:04:34.494452+00');
INSERT INTO public.calendar_year VALUES (2020, '["2020-01-01", "2020-01-24", "2020-01-25", "2020-01-26", "2020-01-27", "2020-01-28", "2020-01-29", "2020-01-30", "2020-01-31", "2020-02-01", "2020-02-02", "2020-04-04", "2020-04-05", "2020-04-06", "2020-05-01", "2020-05-02", "2020-05-03", "2020-05-04", "2020-05-05", "2020-06-25", "2020-06-26", "2020-06-27", "2020-10-01", "2020-10-02", "2020-10-03", "2020-10-04", "2020-10-05", "2020-10-06", "2020-10-07", "2020-10-08"]', '["2020-01-19", "2020-04-26", "2020-05-09", "2020-06-28", "2020-09-27", "2020-10-10"]', 'announced', 'chinesecalendar 1.11', 0, '2026-12-01 15:04:34.495615+00');
INSERT INTO public.calendar_year VALUES (2021, '["2021-01-01", "2021-01-02", "2021-01-03", "2021-02-11", "2021-02-12", "2021-02-13", "2021-02-14", "2021-02-15", "2021-02-16", "2021-02-17", "2021-04-03", "2021-04-04", "2021-04-05", "2021-05-01", "2021-05-02", "2021-05-03", "2021-05-04", "2021-05-05", "2021-06-12", "2021-06-13", "2021-06-14", "2021-09-19", "2021-09-20", "2021-09-21", "2021-10-01", "2021-10-02", "2021-10-03", "2021-10-04", "2021-10-05", "2021-10-06", "2021-10-07"]', '["2021-02-07", "2021-02-20", "2021-04-25", "2021-05-08", "2021-09-18", "2021-09-26", "2021-10-09"]', 'announced', 'chinesecalendar 1.11', 0, '2026-12-01 15:04:34.497033+00');
INSERT INTO public.calendar_year VALUES (2022, '["2022-01-01", "2022-01-02", "2022-01-03", "2022-01-31", "2022-02-01", "2022-02-02", "2022-02-03", "2022-02-04", "2022-02-05", "2022-02-06", "2022-04-03", "2022-04-04", "2022-04-05", "2022-04-30", "2022-05-01", "2022-05-02", "2022-05-03", "2022-05-04", "2022-06-03", "2022-06-04", "2022-06-05", "2022-09-10", "2022-09-11", "2022-09-12", "2022-10-01", "2022-10-02", "2022-10-03", "2022-10-04", "2022-10-05", "2022-10-06", "2022-10-07", "2022-12-31"]', '["2022-01-29", "2022-01-30", "2022-04-02", "2022-04-24", "2022-05-07", "2022-10-08", "2022-10-09"]', 'announced', 'chinesecalendar 1.11', 0, '2026-12-01 15:04:34.498376+00');
INSERT INTO public.calendar_year VALUES (2023, '["2023-01-01", "2023-01-02", "2023-01-21", "2023-01-22", "2023-01-23", "2023-01-24", "2023-01-25", "2023-01-26", "2023-01-27", "2023-04-05", "2023-04-29", "2023-04-30", "2023-05-01", "2023-05-02", "2023-05-03", "2023-06-22", "2023-06-23", "2023-06-24", "2023-09-29", "2023-09-30", "2023-10-01", "2023-10-02", "2023-10-03", "2023-10-04", "2023-10-05", "2023-10-06", "2023-12-30", "2023-12-31"]', '["2023-01-28", "2023-01-29", "2023-04-23", "2023-05-06", "2023-06-25", "2023-10-07", "2023-10-08"]', 'announced', 'chinesecalendar 1.11', 0, '2026-12-01 15:04:34.499486+00');
INSERT INTO public.calendar_year VALUES (2024, '["2024-01-01", "2024-02-10", "2024-02-11", "2024-02-12", "2024-02-13", "2024-02-14", "2024-02-15", "2024-02-16", "2024-02-17", "2024-04-04", "2024-04-05", "2024-04-06", "2024-05-01", "2024-05-02", "2024-05-03", "2024-05-04", "2024-05-05", "2024-06-10", "2024-09-15", "2024-09-16", "2024-09-17", "2024-10-01", "2024-10-02", "2024-10-03", "2024-10-04", "2024-10-05", "2024-10-06", "2024-10-07"]', '["2024-02-04", "2024-02-18", "2024-04-07", "2024-04-28", "2024-05-11", "2024-09-14", "2024-09-29", "2024-10-12"]', 'announced', 'chinesecalendar 1.11', 0, '2026-12-01 15:04:34.500636+00');
INSERT INTO public.calendar_year VALUES (2025, '["2025-01-01", "2025-01-28", "2025-01-29", "2025-01-30", "2025-01-31", "2025-02-01", "2025-02-02", "2025-02-03", "2025-02-04", "2025-04-04", "2025-04-05", "2025-04-06", "2025-05-01", "2025-05-02", "2025-05-03", "2025-05-04", "2025-05-05", "2025-05-31", "2025-06-01", "2025-06-02", "2025-10-01", "2025-10-02", "2025-10-03", "2025-10-04", "2025-10-05", "2025-10-06", "2025-10-07", "2025-10-08"]', '["2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"]', 'announced', 'chinesecalendar 1.11', 0, '2026-12-01 15:04:34.50168+00');
INSERT INTO public.calendar_year VALUES (2026, '["2026-01-01", "2026-01-02", "2026-01-03", "2026-02-15", "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20", "2026-02-21", "2026-02-22", "2026-02-23", "2026-04-04", "2026-04-05", "2026-04-06", "2026-05-01", "2026-05-02", "2026-05-03", "2026-05-04", "2026-05-05", "2026-06-19", "2026-06-20", "2026-06-21", "2026-09-25", "2026-09-26", "2026-09-27", "2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04", "2026-10-05", "2026-10-06", "2026-10-07"]', '["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"]', 'announced', 'chinesecalendar 1.11', 0, '2026-12-01 15:04:34.503147+00');
INSERT INTO public.calendar_year VALUES (2027, '["2027-01-01", "2027-02-06", "2027-02-07"]', '["2027-02-14"]', 'announced', 'calendar.updated', 1, '2026-12-01 15:04:41.552356+00');


--
-- Data for Name: outbox_message; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.outbox_message VALUES (1, '4cc9f21f-6089-4bf3-bd1b-8fef587d124d', 'consultation.opened', 'legacy036288-consultation-events', 'a926a250-27b2-4a2e-bee4-ca8edccf59d6', '\x7b227370656376657273696f6e223a22312e30222c226964223a2234636339663231662d363038392d346266332d626431622d386665663538376431323464222c22736f75726365223a222f63697669632f7075626c697368696e67222c2274797065223a22636f6e73756c746174696f6e2e6f70656e6564222c2274696d65223a22323032362d31322d30315431353a30343a33352e3030313936365a222c227375626a656374223a2261393236613235302d323762322d346132652d626565342d636138656463636635396436222c2264617461636f6e74656e7474797065223a226170706c69636174696f6e2f6a736f6e222c22736368656d6176657273696f6e223a2231222c22636f7272656c6174696f6e6964223a2261393236613235302d323762322d346132652d626565342d636138656463636635396436222c2264617461223a7b22636f6e73756c746174696f6e5f6964223a2261393236613235302d323762322d346132652d626565342d636138656463636635396436222c227469746c65223a22e3808ae4babae6b091e998b2e7a9bae5b7a5e7a88be5b9b3e697b6e4bdbfe794a8e7aea1e79086e58a9ee6b395efbc88e5be81e6b182e6848fe8a781e7a8bfefbc89e3808b222c2273756d6d617279223a22e585ace5bc80e5be81e6b182e7a4bee4bc9ae59084e7958ce6848fe8a781e38082222c226f70656e735f6f6e223a22323032362d31322d3031222c22636c6f7365735f6f6e223a22323032362d31322d3331222c2273686f72745f706572696f645f726561736f6e223a6e756c6c7d7d', '2026-12-01 15:04:35.001956+00', '2026-12-01 15:04:35.017544+00');
INSERT INTO public.outbox_message VALUES (2, '616ebb7e-73c6-48e0-bf7d-92c782025d02', 'consultation.closed', 'legacy036288-consultation-events', 'a926a250-27b2-4a2e-bee4-ca8edccf59d6', '\x7b227370656376657273696f6e223a22312e30222c226964223a2236313665626237652d373363362d343865302d626637642d393263373832303235643032222c22736f75726365223a222f63697669632f7075626c697368696e67222c2274797065223a22636f6e73756c746174696f6e2e636c6f736564222c2274696d65223a22323032362d31322d30315431353a30343a33352e3730343235315a222c227375626a656374223a2261393236613235302d323762322d346132652d626565342d636138656463636635396436222c2264617461636f6e74656e7474797065223a226170706c69636174696f6e2f6a736f6e222c22736368656d6176657273696f6e223a2231222c22636f7272656c6174696f6e6964223a2261393236613235302d323762322d346132652d626565342d636138656463636635396436222c2264617461223a7b22636f6e73756c746174696f6e5f6964223a2261393236613235302d323762322d346132652d626565342d636138656463636635396436222c22636c6f7365645f6f6e223a22323032362d31322d3031227d7d', '2026-12-01 15:04:35.704227+00', '2026-12-01 15:04:35.713143+00');
INSERT INTO public.outbox_message VALUES (3, '6dc6ccbb-32ee-45ac-bfcd-5f40850db77a', 'adoption_report.published', 'legacy036288-consultation-events', 'a926a250-27b2-4a2e-bee4-ca8edccf59d6', '\x7b227370656376657273696f6e223a22312e30222c226964223a2236646336636362622d333265652d343561632d626663642d356634303835306462373761222c22736f75726365223a222f63697669632f7075626c697368696e67222c2274797065223a2261646f7074696f6e5f7265706f72742e7075626c6973686564222c2274696d65223a22323032362d31322d30315431353a30343a33362e3136323832325a222c227375626a656374223a2261393236613235302d323762322d346132652d626565342d636138656463636635396436222c2264617461636f6e74656e7474797065223a226170706c69636174696f6e2f6a736f6e222c22736368656d6176657273696f6e223a2231222c22636f7272656c6174696f6e6964223a2261393236613235302d323762322d346132652d626565342d636138656463636635396436222c2264617461223a7b22636f6e73756c746174696f6e5f6964223a2261393236613235302d323762322d346132652d626565342d636138656463636635396436222c227265636569766564223a322c2261646f70746564223a312c227061727469616c6c795f61646f70746564223a302c226e6f745f61646f70746564223a317d7d', '2026-12-01 15:04:36.162806+00', '2026-12-01 15:04:36.171918+00');
INSERT INTO public.outbox_message VALUES (4, '4b2ab94b-2998-43bb-9ce8-7ebaa66cb554', 'case.published', 'legacy036288-case-events', 'f570d04f-4b9d-47ff-9ee1-a9a7e77e0299', '\x7b227370656376657273696f6e223a22312e30222c226964223a2234623261623934622d323939382d343362622d396365382d376562616136366362353534222c22736f75726365223a222f63697669632f7075626c697368696e67222c2274797065223a22636173652e7075626c6973686564222c2274696d65223a22323032362d31322d30315431353a30343a33362e3933313436395a222c227375626a656374223a2266353730643034662d346239642d343766662d396565312d613961376537376530323939222c2264617461636f6e74656e7474797065223a226170706c69636174696f6e2f6a736f6e222c22736368656d6176657273696f6e223a2231222c22636f7272656c6174696f6e6964223a2266353730643034662d346239642d343766662d396565312d613961376537376530323939222c2264617461223a7b22636173655f6964223a2266353730643034662d346239642d343766662d396565312d613961376537376530323939222c227075626c69636174696f6e5f6964223a2232373335623034362d376330352d343332322d623238352d333835356230343030326432222c227075626c69736865645f6f6e223a22323032362d31322d3031227d7d', '2026-12-01 15:04:36.931462+00', '2026-12-01 15:04:36.942422+00');


--
-- Data for Name: processed_event; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.processed_event VALUES ('publishing', '7775b360-4f3b-4089-b941-3fadb1853334', '2026-12-01 15:04:35.363318+00');
INSERT INTO public.processed_event VALUES ('publishing', '694cd1ce-133f-42a2-bd3d-c4cfff6fc640', '2026-12-01 15:04:35.406681+00');
INSERT INTO public.processed_event VALUES ('publishing', 'f1950c00-d1ad-4987-90ec-5db90efb7854', '2026-12-01 15:04:35.426426+00');
INSERT INTO public.processed_event VALUES ('publishing', 'b207c75d-ad1f-47e8-8b9f-0c806dee1e3a', '2026-12-01 15:04:35.436431+00');
INSERT INTO public.processed_event VALUES ('publishing', '92be7bd7-554e-41ff-ae35-bed536bef9d2', '2026-12-01 15:04:35.458258+00');
INSERT INTO public.processed_event VALUES ('publishing', 'a2824f67-e612-4863-a7bd-eecd52079df5', '2026-12-01 15:04:35.475633+00');
INSERT INTO public.processed_event VALUES ('publishing', '9cb24718-255f-4a1f-a8f5-94dbd6aa2942', '2026-12-01 15:04:35.493379+00');
INSERT INTO public.processed_event VALUES ('publishing', 'd19858a1-ffe8-4908-bd45-233cd9af8050', '2026-12-01 15:04:35.510907+00');
INSERT INTO public.processed_event VALUES ('publishing', '125b621a-5694-4c12-8cc9-0e72811cdbd2', '2026-12-01 15:04:35.745654+00');
INSERT INTO public.processed_event VALUES ('publishing', 'be969e35-5df9-4823-8576-50e5cf2ef372', '2026-12-01 15:04:35.781025+00');
INSERT INTO public.processed_event VALUES ('publishing', 'defcd179-9f59-4081-a7e6-3f681017d839', '2026-12-01 15:04:35.799332+00');
INSERT INTO public.processed_event VALUES ('publishing', 'e859120a-8f49-4444-96a2-083e64b4eed8', '2026-12-01 15:04:35.808142+00');
INSERT INTO public.processed_event VALUES ('publishing', '152fec6f-d85b-4dbd-8628-faa1e2954b57', '2026-12-01 15:04:35.815593+00');
INSERT INTO public.processed_event VALUES ('publishing', 'a27c9630-6466-46a2-a2a2-3e4f3bbd8074', '2026-12-01 15:04:36.203614+00');
INSERT INTO public.processed_event VALUES ('publishing', '1245020a-5823-471b-b368-d3310a3f9fa5', '2026-12-01 15:04:36.238806+00');
INSERT INTO public.processed_event VALUES ('publishing', '180d40ee-8aa0-4e2e-9b2a-9a7ba06212d4', '2026-12-01 15:04:36.258534+00');
INSERT INTO public.processed_event VALUES ('publishing', 'e0f5f925-4e8a-4f81-a74d-b30f8dc73420', '2026-12-01 15:04:36.268593+00');
INSERT INTO public.processed_event VALUES ('publishing', '23206d79-26bd-4e3f-8216-ea2c5c38b646', '2026-12-01 15:04:36.583688+00');
INSERT INTO public.processed_event VALUES ('publishing', '7d2ea259-7cee-4d11-895a-8bb7e1524171', '2026-12-01 15:04:36.97241+00');
INSERT INTO public.processed_event VALUES ('publishing', 'a664b7b2-7008-4d10-aeb9-ca909913db70', '2026-12-01 15:04:37.007015+00');
INSERT INTO public.processed_event VALUES ('publishing', '35465eca-76f7-4e20-bf5a-7355ab74aee7', '2026-12-01 15:04:37.031367+00');
INSERT INTO public.processed_event VALUES ('publishing', '1057a7d9-1da9-4ce1-a4ec-58813a21f79a', '2026-12-01 15:04:37.054409+00');
INSERT INTO public.processed_event VALUES ('publishing', 'f17c3019-7aa7-46cc-8f30-defb8109c984', '2026-12-01 15:04:37.068744+00');
INSERT INTO public.processed_event VALUES ('publishing', 'b89da16d-4cae-484e-a160-f7e4499465d5', '2026-12-01 15:04:37.343558+00');
INSERT INTO public.processed_event VALUES ('publishing', '07dcdbab-ff51-48a5-8fc4-1ec8a9b30809', '2026-12-01 15:04:37.384191+00');
INSERT INTO public.processed_event VALUES ('publishing', 'c5999082-ae2a-4577-b0a5-70097d853345', '2026-12-01 15:04:37.399495+00');
INSERT INTO public.processed_event VALUES ('publishing', '3dacacfb-accf-45af-9643-c7522ab3407e', '2026-12-01 15:04:37.436266+00');
INSERT INTO public.processed_event VALUES ('publishing', 'e598e6e0-df42-4ae7-a4a6-520c89950b54', '2026-12-01 15:04:37.455837+00');
INSERT INTO public.processed_event VALUES ('publishing', '4e948ce1-1ea9-467a-87c1-ed809c11a230', '2026-12-01 15:04:37.772244+00');
INSERT INTO public.processed_event VALUES ('publishing', 'ea745a4e-b09d-4ea7-882a-dd8d4574b7a6', '2026-12-01 15:04:37.791867+00');
INSERT INTO public.processed_event VALUES ('publishing', '5f5b5a7a-5e07-4195-a588-5af15ef33a28', '2026-12-01 15:04:37.815212+00');
INSERT INTO public.processed_event VALUES ('publishing', '24fca87e-360b-4ab0-a4d5-78a500fa926b', '2026-12-01 15:04:38.109933+00');
INSERT INTO public.processed_event VALUES ('publishing', '4f5af0f9-a604-44f7-bb6f-389e64138d14', '2026-12-01 15:04:38.130363+00');
INSERT INTO public.processed_event VALUES ('publishing', '19650b0b-359e-490c-9d21-51869e6584fc', '2026-12-01 15:04:38.156178+00');
INSERT INTO public.processed_event VALUES ('publishing', 'd71c46da-6406-42b2-8821-7deaa3c632d9', '2026-12-01 15:04:38.171997+00');
INSERT INTO public.processed_event VALUES ('publishing', 'c50cfa70-14ec-4359-ac65-ee473739bfb1', '2026-12-01 15:04:38.181869+00');
INSERT INTO public.processed_event VALUES ('publishing', '4937cce4-42a4-4c70-b156-dac2e140712a', '2026-12-01 15:04:38.196116+00');
INSERT INTO public.processed_event VALUES ('publishing', 'd510c35a-afe8-4458-8c23-37ac07432892', '2026-12-01 15:04:38.836608+00');
INSERT INTO public.processed_event VALUES ('publishing', '463e8ccb-80cf-4fff-9484-54dbccb983f0', '2026-12-01 15:04:39.178533+00');
INSERT INTO public.processed_event VALUES ('publishing', '56a2af3d-5437-434b-a3f4-010daedc29b9', '2026-12-01 15:04:39.216864+00');
INSERT INTO public.processed_event VALUES ('publishing', '237fe92e-cda1-47c5-8141-c76599309e10', '2026-12-01 15:04:39.232376+00');
INSERT INTO public.processed_event VALUES ('publishing', 'e1856fac-26b4-40e0-8fb9-c59ff6c3589c', '2026-12-01 15:04:39.25327+00');
INSERT INTO public.processed_event VALUES ('publishing', '8e333b26-8982-436a-8be9-eb87e64a0fe9', '2026-12-01 15:04:39.548516+00');
INSERT INTO public.processed_event VALUES ('publishing', 'e4afef89-cec8-4068-b599-46a35fe48f31', '2026-12-01 15:04:39.568876+00');
INSERT INTO public.processed_event VALUES ('publishing', 'ae776d7f-530f-4abe-a6cd-6c212e1b90a3', '2026-12-01 15:04:39.884921+00');
INSERT INTO public.processed_event VALUES ('publishing', '2d7c28bb-0f13-4153-bb07-4948a4674b0d', '2026-12-01 15:04:39.907921+00');
INSERT INTO public.processed_event VALUES ('publishing', 'cd2da2a4-7bca-4423-8068-9c3beabdbc5b', '2026-12-01 15:04:39.926683+00');
INSERT INTO public.processed_event VALUES ('publishing', '8fe15ef1-bbaa-4b01-9843-2a12d6406e58', '2026-12-01 15:04:39.948549+00');
INSERT INTO public.processed_event VALUES ('publishing', '23c06dc6-7bcd-46f9-9fe8-e6628b8b9a84', '2026-12-01 15:04:39.954644+00');
INSERT INTO public.processed_event VALUES ('publishing', 'a8676559-22e4-4d41-b686-f92c967dd24c', '2026-12-01 15:04:40.836457+00');
INSERT INTO public.processed_event VALUES ('publishing', 'a00a38a3-179a-4c6e-9960-87200cdf3e47', '2026-12-01 15:04:40.862567+00');
INSERT INTO public.processed_event VALUES ('publishing', 'd44a99cb-d7a5-43f8-b731-fa214347c4e4', '2026-12-01 15:04:40.878088+00');
INSERT INTO public.processed_event VALUES ('publishing', 'cbe5074b-aaeb-44d4-94cf-1444a0ae960c', '2026-12-01 15:04:40.888742+00');
INSERT INTO public.processed_event VALUES ('publishing', '874bba94-f575-4dd9-aa14-3ae45661452f', '2026-12-01 15:04:40.902731+00');
INSERT INTO public.processed_event VALUES ('publishing', '232b3564-70e7-4f6a-a8df-2593c8cfaa34', '2026-12-01 15:04:41.167602+00');
INSERT INTO public.processed_event VALUES ('publishing-calendar', '0c6d8f6a-e56f-4627-869e-4935557ee829', '2026-12-01 15:04:41.546003+00');


--
-- Data for Name: publishing_adoption_report; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.publishing_adoption_report VALUES ('a926a250-27b2-4a2e-bee4-ca8edccf59d6', '6afa2992-1c98-47da-a4aa-b277ff58db1d', '{"title": "\u300a\u4eba\u6c11\u9632\u7a7a\u5de5\u7a0b\u5e73\u65f6\u4f7f\u7528\u7ba1\u7406\u529e\u6cd5\uff08\u5f81\u6c42\u610f\u89c1\u7a3f\uff09\u300b", "received": 2, "adopted": 1, "partially_adopted": 0, "not_adopted": 1, "comments": [{"seq": 1, "commenter": "\u533f\u540d", "clause": null, "content": "\u5efa\u8bae\u53d6\u6d88\u5168\u90e8\u6536\u8d39\u3002", "decision": "not_adopted", "reason": "\u6536\u8d39\u4f9d\u636e\u4e0a\u4f4d\u6cd5\u89c4\u5b9a"}, {"seq": 2, "commenter": "\u94b1*\u591a", "clause": "\u7b2c\u5341\u4e8c\u6761", "content": "\u5efa\u8bae\u660e\u786e\u4eba\u9632\u8f66\u4f4d\u7684\u6536\u8d39\u6807\u51c6\u3002", "decision": "adopted", "reason": null}]}', '[]', '2026-12-01 15:04:36.159591+00');


--
-- Data for Name: publishing_appeal; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.publishing_appeal VALUES ('babb448b-a54c-4d3e-aa9a-3c92ce284ef2', '87b33592-4302-4167-aaaa-76ed3d196433', 'reconsideration', '2026-12-01', 'pending', NULL);


--
-- Data for Name: publishing_case; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.publishing_case VALUES ('9d0a829b-d614-4e7e-a743-33a48fe38baa', 'consultation_comment', '2026-12-01', 'policy', '政策法规处', NULL, '2026-12-01', NULL, NULL, NULL, NULL, NULL);
INSERT INTO public.publishing_case VALUES ('3b13b6b1-6836-4a72-b70d-fdac734e99ff', 'consultation_comment', '2026-12-01', 'policy', '政策法规处', NULL, '2026-12-01', NULL, NULL, NULL, NULL, NULL);
INSERT INTO public.publishing_case VALUES ('f570d04f-4b9d-47ff-9ee1-a9a7e77e0299', 'mailbox', '2026-12-01', 'engineering', '人防工程管理处', '2026-12-08', '2026-12-01', 'satisfied', NULL, NULL, NULL, NULL);
INSERT INTO public.publishing_case VALUES ('e37e48ce-3349-4893-9da7-e64989805917', 'mailbox', '2026-12-01', 'general-office', '办公室', '2026-12-08', '2026-12-01', 'unsatisfied', NULL, NULL, NULL, NULL);
INSERT INTO public.publishing_case VALUES ('bceb8f74-95f6-462a-85e3-d5327b054fae', 'disclosure_request', '2026-12-01', 'open-government', '政务公开办公室', '2027-01-12', NULL, 'unsatisfied', 'natural_person', 'f21b282f697485b7eb98f0886daf9815', '2025年本市防空地下室易地建设费收缴情况', 'partially_disclosed');
INSERT INTO public.publishing_case VALUES ('1b0cdb30-a869-4468-9996-98c40d312eeb', 'disclosure_request', '2026-10-17', 'open-government', '政务公开办公室', '2026-11-13', NULL, NULL, 'business', '78a08dbb804022294b6d9a0a5965214c', '某小区防空地下室竣工验收备案信息', NULL);
INSERT INTO public.publishing_case VALUES ('87b33592-4302-4167-aaaa-76ed3d196433', 'disclosure_request', '2026-12-01', 'open-government', '政务公开办公室', '2026-12-29', '2026-12-01', NULL, 'research_institution', '5dfbeb7368bc5a900206d9a43dce2776', '2025年本市防空地下室易地建设费收缴情况（重复）', 'not_processed.repeated');


--
-- Data for Name: publishing_comment; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.publishing_comment VALUES ('9d0a829b-d614-4e7e-a743-33a48fe38baa', 'a926a250-27b2-4a2e-bee4-ca8edccf59d6', '2026-12-01', '第十二条', '建议明确人防车位的收费标准。', '钱多多', 'adopted', NULL, '2026-12-01');
INSERT INTO public.publishing_comment VALUES ('3b13b6b1-6836-4a72-b70d-fdac734e99ff', 'a926a250-27b2-4a2e-bee4-ca8edccf59d6', '2026-12-01', NULL, '建议取消全部收费。', NULL, 'not_adopted', '收费依据上位法规定', '2026-12-01');


--
-- Data for Name: publishing_consented_letter; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.publishing_consented_letter VALUES ('f570d04f-4b9d-47ff-9ee1-a9a7e77e0299', 'civil-air-defence', '咨询', '小区人防工程能否停车', '请问小区地下人防工程平时可以作为停车场吗？我的电话13812345678', '张三丰', '2026-12-01');


--
-- Data for Name: publishing_consultation; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.publishing_consultation VALUES ('a926a250-27b2-4a2e-bee4-ca8edccf59d6', '《人民防空工程平时使用管理办法（征求意见稿）》', '公开征求社会各界意见。', '2026-12-01', '2026-12-31', NULL, 'closed', '2026-12-01 15:04:35.001498+00', 'major_decision', '第一条 为规范人防工程平时使用，制定本办法。', NULL);


--
-- Data for Name: publishing_reply; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.publishing_reply VALUES ('2735b046-7c05-4322-b285-3855b04002d2', 'f570d04f-4b9d-47ff-9ee1-a9a7e77e0299', 'civil-air-defence', '咨询', '小区人防工程能否停车', '请问小区地下人防工程平时可以作为停车场吗？我的电话138****5678', '张*丰您好：人防工程平时可依法用于停车。', '人防工程管理处', '2026-12-01', '2026-12-01', '2026-12-01 15:04:36.926444+00', '[{"field": "question", "kind": "mobile", "replacement": "138****5678"}, {"field": "reply", "kind": "name", "replacement": "\u5f20*\u4e30"}]');


--
-- Data for Name: publishing_review; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.publishing_review VALUES ('6afa2992-1c98-47da-a4aa-b277ff58db1d', 'adoption_report', 'a926a250-27b2-4a2e-bee4-ca8edccf59d6', '《《人民防空工程平时使用管理办法（征求意见稿）》》意见采纳情况', NULL, NULL, '{"title": "\u300a\u4eba\u6c11\u9632\u7a7a\u5de5\u7a0b\u5e73\u65f6\u4f7f\u7528\u7ba1\u7406\u529e\u6cd5\uff08\u5f81\u6c42\u610f\u89c1\u7a3f\uff09\u300b", "received": 2, "adopted": 1, "partially_adopted": 0, "not_adopted": 1, "comments": [{"seq": 1, "commenter": "\u533f\u540d", "clause": null, "content": "\u5efa\u8bae\u53d6\u6d88\u5168\u90e8\u6536\u8d39\u3002", "decision": "not_adopted", "reason": "\u6536\u8d39\u4f9d\u636e\u4e0a\u4f4d\u6cd5\u89c4\u5b9a"}, {"seq": 2, "commenter": "\u94b1*\u591a", "clause": "\u7b2c\u5341\u4e8c\u6761", "content": "\u5efa\u8bae\u660e\u786e\u4eba\u9632\u8f66\u4f4d\u7684\u6536\u8d39\u6807\u51c6\u3002", "decision": "adopted", "reason": null}]}', '[]', 3, 'published', '2026-12-01 15:04:36.11212+00', '2026-12-01 15:04:36.159538+00', NULL);
INSERT INTO public.publishing_review VALUES ('fa66a44c-712c-454b-8c93-fc0893bc93a6', 'reply', 'f570d04f-4b9d-47ff-9ee1-a9a7e77e0299', '小区人防工程能否停车', 'engineering', '人防工程管理处', '{"subject": "\u5c0f\u533a\u4eba\u9632\u5de5\u7a0b\u80fd\u5426\u505c\u8f66", "question": "\u8bf7\u95ee\u5c0f\u533a\u5730\u4e0b\u4eba\u9632\u5de5\u7a0b\u5e73\u65f6\u53ef\u4ee5\u4f5c\u4e3a\u505c\u8f66\u573a\u5417\uff1f\u6211\u7684\u7535\u8bdd138****5678", "reply": "\u5f20*\u4e30\u60a8\u597d\uff1a\u4eba\u9632\u5de5\u7a0b\u5e73\u65f6\u53ef\u4f9d\u6cd5\u7528\u4e8e\u505c\u8f66\u3002", "mailbox": "civil-air-defence", "category": "\u54a8\u8be2", "department": "\u4eba\u9632\u5de5\u7a0b\u7ba1\u7406\u5904", "received_on": "2026-12-01", "replied_on": "2026-12-01"}', '[{"field": "question", "kind": "mobile", "replacement": "138****5678"}, {"field": "reply", "kind": "name", "replacement": "\u5f20*\u4e30"}]', 3, 'published', '2026-12-01 15:04:36.595531+00', '2026-12-01 15:04:36.926378+00', NULL);


--
-- Data for Name: publishing_review_decision; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.publishing_review_decision VALUES ('6afa2992-1c98-47da-a4aa-b277ff58db1d', 'reviewer-1', '旧版用户', 'approve', NULL, 0, '2026-12-01 15:04:36.13038+00');
INSERT INTO public.publishing_review_decision VALUES ('6afa2992-1c98-47da-a4aa-b277ff58db1d', 'reviewer-2', '旧版用户', 'approve', NULL, 0, '2026-12-01 15:04:36.148229+00');
INSERT INTO public.publishing_review_decision VALUES ('6afa2992-1c98-47da-a4aa-b277ff58db1d', 'reviewer-3', '旧版用户', 'approve', NULL, 0, '2026-12-01 15:04:36.158261+00');
INSERT INTO public.publishing_review_decision VALUES ('fa66a44c-712c-454b-8c93-fc0893bc93a6', 'reviewer-1', '旧版用户', 'approve', NULL, 0, '2026-12-01 15:04:36.906775+00');
INSERT INTO public.publishing_review_decision VALUES ('fa66a44c-712c-454b-8c93-fc0893bc93a6', 'reviewer-2', '旧版用户', 'approve', NULL, 0, '2026-12-01 15:04:36.91678+00');
INSERT INTO public.publishing_review_decision VALUES ('fa66a44c-712c-454b-8c93-fc0893bc93a6', 'reviewer-3', '旧版用户', 'approve', NULL, 0, '2026-12-01 15:04:36.925129+00');


--
-- Name: calendar_year_year_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.calendar_year_year_seq', 1, false);


--
-- Name: outbox_message_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.outbox_message_id_seq', 4, true);


--
-- Name: calendar_year calendar_year_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.calendar_year
    ADD CONSTRAINT calendar_year_pkey PRIMARY KEY (year);


--
-- Name: outbox_message outbox_message_event_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.outbox_message
    ADD CONSTRAINT outbox_message_event_id_key UNIQUE (event_id);


--
-- Name: outbox_message outbox_message_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.outbox_message
    ADD CONSTRAINT outbox_message_pkey PRIMARY KEY (id);


--
-- Name: processed_event processed_event_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.processed_event
    ADD CONSTRAINT processed_event_pkey PRIMARY KEY (consumer, event_id);


--
-- Name: publishing_adoption_report publishing_adoption_report_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.publishing_adoption_report
    ADD CONSTRAINT publishing_adoption_report_pkey PRIMARY KEY (consultation_id);


--
-- Name: publishing_appeal publishing_appeal_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.publishing_appeal
    ADD CONSTRAINT publishing_appeal_pkey PRIMARY KEY (id);


--
-- Name: publishing_case publishing_case_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.publishing_case
    ADD CONSTRAINT publishing_case_pkey PRIMARY KEY (case_id);


--
-- Name: publishing_comment publishing_comment_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.publishing_comment
    ADD CONSTRAINT publishing_comment_pkey PRIMARY KEY (case_id);


--
-- Name: publishing_consented_letter publishing_consented_letter_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.publishing_consented_letter
    ADD CONSTRAINT publishing_consented_letter_pkey PRIMARY KEY (case_id);


--
-- Name: publishing_consultation publishing_consultation_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.publishing_consultation
    ADD CONSTRAINT publishing_consultation_pkey PRIMARY KEY (id);


--
-- Name: publishing_reply publishing_reply_case_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.publishing_reply
    ADD CONSTRAINT publishing_reply_case_id_key UNIQUE (case_id);


--
-- Name: publishing_reply publishing_reply_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.publishing_reply
    ADD CONSTRAINT publishing_reply_pkey PRIMARY KEY (id);


--
-- Name: publishing_review_decision publishing_review_decision_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.publishing_review_decision
    ADD CONSTRAINT publishing_review_decision_pkey PRIMARY KEY (review_id, reviewer);


--
-- Name: publishing_review publishing_review_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.publishing_review
    ADD CONSTRAINT publishing_review_pkey PRIMARY KEY (id);


--
-- Name: ix_calendar_year_revision; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_calendar_year_revision ON public.calendar_year USING btree (revision);


--
-- Name: ix_outbox_unsent; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_outbox_unsent ON public.outbox_message USING btree (published_at, id);


--
-- Name: ix_publishing_case_channel; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_publishing_case_channel ON public.publishing_case USING btree (channel);


--
-- Name: ix_publishing_case_department_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_publishing_case_department_id ON public.publishing_case USING btree (department_id);


--
-- Name: ix_publishing_case_received_on; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_publishing_case_received_on ON public.publishing_case USING btree (received_on);


--
-- Name: ix_publishing_comment_consultation_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_publishing_comment_consultation_id ON public.publishing_comment USING btree (consultation_id);


--
-- Name: ix_publishing_reply_published_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_publishing_reply_published_at ON public.publishing_reply USING btree (published_at);


--
-- Name: ix_publishing_review_kind; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_publishing_review_kind ON public.publishing_review USING btree (kind);


--
-- Name: ix_publishing_review_status; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_publishing_review_status ON public.publishing_review USING btree (status);


--
-- Name: ix_publishing_review_subject_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_publishing_review_subject_id ON public.publishing_review USING btree (subject_id);


--
-- Name: publishing_review_decision publishing_review_decision_review_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.publishing_review_decision
    ADD CONSTRAINT publishing_review_decision_review_id_fkey FOREIGN KEY (review_id) REFERENCES public.publishing_review(id);


--
-- PostgreSQL database dump complete
--

\unrestrict ZBTl0paj0vybHlRw9ecAuhmZN0wrk93p9A9wq2peZTYpZbVnwhOnAiSAUNACRS8

